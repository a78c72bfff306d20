// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the rcufault B-tree.  The input is a sequence of
 * 5-byte operations, applied to the tree and to the reference model of
 * btree_model.h; the tree is fully compared with the model after every
 * operation.  Byte 0: operation (low 3 bits), entry/fault flags; bytes 1-2:
 * address (little endian, scaled into a small space to force overlaps);
 * byte 3: length; byte 4: allocation-failure countdown (0: none).
 */
#include <stdint.h>
#include "btree_model.h"

#define OP_BYTES	5

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	rcu_register_thread();
	return 0;
}

static void decode(const uint8_t *p, struct btree_op *op)
{
	unsigned long addr = p[1] | (unsigned long)p[2] << 8;
	unsigned long len = p[3];

	memset(op, 0, sizeof(*op));
	op->type = (p[0] & 7) % BTREE_OP_NR;
	if ((p[0] & 7) == 7)
		op->type = BTREE_OP_LOOKUP;
	/* Top of the address space, to exercise ULONG_MAX boundaries. */
	op->a = p[0] & 0x40 ? ULONG_MAX - (addr & 0x3ff) : addr & 0x3ff;
	op->b = op->a > ULONG_MAX - len ? ULONG_MAX : op->a + len;
	op->with_entry = !(p[0] & 0x08) || !(p[0] & 0x10);
	op->fail_after = p[0] & 0x80 ? 1 + p[4] % 16 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct harness h;
	struct btree_op op;
	size_t i;

	harness_init(&h, "fuzz");
	for (i = 0; i + OP_BYTES <= size; i += OP_BYTES) {
		decode(data + i, &op);
		harness_op(&h, &op);
		harness_verify(&h);
		harness_lookup(&h, op.a);
		harness_lookup(&h, op.b);
		if (op.a)
			harness_lookup(&h, op.a - 1);
	}
	harness_destroy(&h);
	return 0;
}
