// SPDX-License-Identifier: GPL-2.0
/*
 * The totals and histograms of debugfs watch_report: the per-CPU totals
 * of struct rcuf_lw_totals summed, one tab-separated line each:
 *
 *   acquired	read N write N nested N downgrades N
 *   holds	completed N with_io N active N unmatched N tasks_dropped N stale N
 *		recursion N
 *   waits	queued N failed N wait_ns N blamed_ns N short_ns N
 *		unattributed_ns N
 *   event	NAME count N amount N		(bytes for bio, else ns)
 *   hist	hold|wait read|write [clean|io] total N	K:N ...
 *
 * A histogram lists its non-empty buckets: K:N is N times in
 * [2^K, 2^(K+1)) ns. The hold histograms together hold every completed
 * hold; the wait histograms every wait (queued). blamed_ns, short_ns and
 * unattributed_ns add up to wait_ns (see struct rcuf_lw_totals).
 */
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "rcufault/lockwatch_table.h"

static void rcuf_lw_sum(struct rcuf_lw_totals *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const u64 *src = (const u64 *)per_cpu_ptr(&rcuf_lw_totals, cpu);
		u64 *dst = (u64 *)sum;
		unsigned int i;

		for (i = 0; i < sizeof(*sum) / sizeof(u64); i++)
			dst[i] += READ_ONCE(src[i]);
	}
}

static void rcuf_lw_hist_show(struct seq_file *m, const char *what,
			      const u64 *hist)
{
	u64 total = 0;
	unsigned int k;

	for (k = 0; k < RCUF_LW_BUCKETS; k++)
		total += hist[k];
	seq_printf(m, "hist\t%s total %llu\t", what, total);
	for (k = 0; k < RCUF_LW_BUCKETS; k++)
		if (hist[k])
			seq_printf(m, " %u:%llu", k, hist[k]);
	seq_putc(m, '\n');
}

/**
 * rcuf_lw_totals_show() - the totals' lines of watch_report
 * @m: the report
 */
void rcuf_lw_totals_show(struct seq_file *m)
{
	static const char *const mode[] = { "read", "write" };
	static const char *const kind[] = { "clean", "io" };
	struct rcuf_lw_totals *t = kmalloc(sizeof(*t), GFP_KERNEL);
	char what[32];
	int w, io, ev;

	if (!t)
		return;
	rcuf_lw_sum(t);
	seq_printf(m, "acquired\tread %llu write %llu nested %llu downgrades %llu\n",
		   t->acquired[0], t->acquired[1], t->nested, t->downgrades);
	seq_printf(m, "holds\tcompleted %llu with_io %llu active %u unmatched %llu tasks_dropped %llu stale %llu recursion %llu\n",
		   t->holds, t->io_holds, rcuf_lw_holds_active(), t->unmatched,
		   t->tasks_dropped, t->stale, t->recursion);
	seq_printf(m, "waits\tqueued %llu failed %llu wait_ns %llu blamed_ns %llu short_ns %llu unattributed_ns %llu\n",
		   t->waits, t->failed_waits, t->wait_ns, t->blamed_ns, t->short_ns,
		   t->unattributed_ns);
	for (ev = 0; ev < RCUF_LW_NR_EVENTS; ev++)
		seq_printf(m, "event\t%s count %llu amount %llu\n", rcuf_lw_event_name(ev),
			   t->ev_count[ev], t->ev_amount[ev]);
	for (w = 0; w < 2; w++)
		for (io = 0; io < 2; io++) {
			snprintf(what, sizeof(what), "hold %s %s", mode[w], kind[io]);
			rcuf_lw_hist_show(m, what, t->hold_hist[w][io]);
		}
	for (w = 0; w < 2; w++) {
		snprintf(what, sizeof(what), "wait %s", mode[w]);
		rcuf_lw_hist_show(m, what, t->wait_hist[w]);
	}
	kfree(t);
}
