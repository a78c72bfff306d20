// SPDX-License-Identifier: GPL-2.0
/*
 * Per-process lockless fault counts (debugfs procs): per thread group,
 * attempts, successes and the count of each fallback reason.
 *
 * Off by default: the fault path then pays one static branch. When on,
 * each CPU counts into its own small table of slots, keyed by tgid (a
 * hash, then RCUF_PROCS_PROBE slots of linear probing), with preemption
 * off and no atomic operation, so threads of one process on different
 * CPUs never share a cache line for it. A new tgid that finds no free
 * slot evicts the least busy one of its probe run into the CPU's "other"
 * slot. Memory is bounded: RCUF_PROCS_SLOTS + 1 slots per possible CPU,
 * allocated the first time counting is switched on.
 *
 * A read sums the slots of every CPU per tgid, and prints the busiest
 * RCUF_PROCS_SHOWN thread groups, then the rest (and everything evicted)
 * as "other". As with the stats counters, a read racing with counting or
 * eviction may be off by the events in flight; a tgid reused by a new
 * process adds to the old one's row until the next reset.
 */
#include <linux/ctype.h>
#include <linux/hash.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "rcufault/procs.h"

#define RCUF_PROCS_HASH_BITS	5
#define RCUF_PROCS_SLOTS	(1 << RCUF_PROCS_HASH_BITS)
#define RCUF_PROCS_PROBE	4
#define RCUF_PROCS_SHOWN	16
#define RCUF_PROCS_TOP_REASONS	3

/*
 * The fallback reasons: the run of enum rcuf_stat from FB_FOREIGN_MM to
 * FB_NO_MEMORY, every FB_* and nothing else (stats_list.h keeps them so).
 */
#define RCUF_PROCS_FIRST_FB	RCUF_STAT_FB_FOREIGN_MM
#define RCUF_PROCS_NR_FB	(RCUF_STAT_FB_NO_MEMORY - RCUF_PROCS_FIRST_FB + 1)

/**
 * struct rcuf_proc_slot - one thread group's counts on one CPU
 * @tgid: the thread group, 0 for a free slot (or "other")
 * @mm: the mm it faulted in last (compared, never dereferenced)
 * @comm: its leader's name when it first faulted in @mm (after an exec,
 *	the new program's)
 * @attempts: lockless attempts
 * @fallbacks: of those, the fallbacks, by reason
 */
struct rcuf_proc_slot {
	pid_t tgid;
	const void *mm;
	char comm[TASK_COMM_LEN];
	unsigned long attempts;
	unsigned long fallbacks[RCUF_PROCS_NR_FB];
};

/**
 * struct rcuf_procs_cpu - one CPU's table
 * @slot: slots by tgid
 * @other: what evicted slots counted
 */
struct rcuf_procs_cpu {
	struct rcuf_proc_slot slot[RCUF_PROCS_SLOTS];
	struct rcuf_proc_slot other;
};

DEFINE_STATIC_KEY_FALSE(rcuf_procs_on);
static struct rcuf_procs_cpu __percpu *rcuf_procs;
static DEFINE_MUTEX(rcuf_procs_lock);	/* switching; allocation */

/*
 * @s's successes: its attempts less its fallbacks, never below 0 (a read
 * racing with counting can see a fallback before its attempt).
 */
static unsigned long rcuf_slot_lockless(const struct rcuf_proc_slot *s)
{
	unsigned long fb = 0;
	int i;

	for (i = 0; i < RCUF_PROCS_NR_FB; i++)
		fb += s->fallbacks[i];
	return s->attempts > fb ? s->attempts - fb : 0;
}

/* Add @from's counts to @to. */
static void rcuf_slot_add(struct rcuf_proc_slot *to,
			  const struct rcuf_proc_slot *from)
{
	int i;

	to->attempts += READ_ONCE(from->attempts);
	for (i = 0; i < RCUF_PROCS_NR_FB; i++)
		to->fallbacks[i] += READ_ONCE(from->fallbacks[i]);
}

/* Name @s after current's program, faulting in @mm. */
static void rcuf_procs_slot_name(struct rcuf_proc_slot *s,
				 const struct mm_struct *mm)
{
	s->mm = mm;
	strscpy(s->comm, current->group_leader->comm, sizeof(s->comm));
}

/* Current's slot in @pc, taken (or evicted into "other") if need be. */
static struct rcuf_proc_slot *rcuf_procs_slot(struct rcuf_procs_cpu *pc)
{
	pid_t tgid = current->tgid;
	unsigned int h = hash_32(tgid, RCUF_PROCS_HASH_BITS), i;
	struct rcuf_proc_slot *s, *victim = NULL;

	for (i = 0; i < RCUF_PROCS_PROBE; i++) {
		s = &pc->slot[(h + i) % RCUF_PROCS_SLOTS];
		if (s->tgid == tgid) {
			if (unlikely(s->mm != current->mm))	/* exec */
				rcuf_procs_slot_name(s, current->mm);
			return s;
		}
		if (!s->tgid) {
			victim = s;
			break;
		}
		if (!victim || s->attempts < victim->attempts)
			victim = s;
	}
	if (victim->tgid)
		rcuf_slot_add(&pc->other, victim);
	memset(victim, 0, sizeof(*victim));
	rcuf_procs_slot_name(victim, current->mm);
	WRITE_ONCE(victim->tgid, tgid);
	return victim;
}

/**
 * rcuf_procs_count() - count one attempt of current's thread group
 * @res: its outcome, RCUF_STAT_LOCKLESS_SUCCESS or a fallback reason
 *
 * Context: process (the fault path), through rcuf_procs_note(); never
 * sleeps.
 */
void rcuf_procs_count(enum rcuf_stat res)
{
	struct rcuf_procs_cpu *pc = get_cpu_ptr(rcuf_procs);
	struct rcuf_proc_slot *s = rcuf_procs_slot(pc);

	s->attempts++;
	if (res >= RCUF_PROCS_FIRST_FB &&
	    res < RCUF_PROCS_FIRST_FB + RCUF_PROCS_NR_FB)
		s->fallbacks[res - RCUF_PROCS_FIRST_FB]++;
	put_cpu_ptr(rcuf_procs);
}

/**
 * rcuf_procs_set() - switch per-process counting on or off
 * @on: the new state
 *
 * The tables are allocated the first time it is switched on, and kept
 * (with their counts) until the module goes.
 *
 * Context: process; may sleep.
 * Return: 0, or -ENOMEM with nothing changed.
 */
int rcuf_procs_set(bool on)
{
	int ret = 0;

	mutex_lock(&rcuf_procs_lock);
	if (on && !rcuf_procs) {
		rcuf_procs = alloc_percpu(struct rcuf_procs_cpu);
		if (!rcuf_procs)
			ret = -ENOMEM;
	}
	if (!ret && on)
		static_branch_enable(&rcuf_procs_on);
	else if (!ret)
		static_branch_disable(&rcuf_procs_on);
	mutex_unlock(&rcuf_procs_lock);
	return ret;
}

/**
 * rcuf_procs_reset() - zero every CPU's table
 *
 * Counts racing with the reset may survive it, as with rcuf_stats_reset().
 * Context: process.
 */
void rcuf_procs_reset(void)
{
	int cpu;

	mutex_lock(&rcuf_procs_lock);
	if (rcuf_procs)
		for_each_possible_cpu(cpu)
			memset(per_cpu_ptr(rcuf_procs, cpu), 0,
			       sizeof(struct rcuf_procs_cpu));
	mutex_unlock(&rcuf_procs_lock);
}

static int rcuf_slot_cmp_busy(const void *a, const void *b)
{
	const struct rcuf_proc_slot *x = a, *y = b;

	return (x->attempts < y->attempts) - (x->attempts > y->attempts);
}

/* By tgid, and of one tgid's rows the busiest first. */
static int rcuf_slot_cmp_tgid(const void *a, const void *b)
{
	const struct rcuf_proc_slot *x = a, *y = b;

	if (x->tgid != y->tgid)
		return (x->tgid > y->tgid) - (x->tgid < y->tgid);
	return rcuf_slot_cmp_busy(a, b);
}

/*
 * Every CPU's used slots, merged per tgid into @all (sorted busiest
 * first; each named as its busiest CPU's row), and everything evicted
 * into @other. Return: rows in @all.
 */
static int rcuf_procs_gather(struct rcuf_proc_slot *all,
			     struct rcuf_proc_slot *other)
{
	struct rcuf_procs_cpu *pc;
	int cpu, i, n = 0, rows = 0;

	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(rcuf_procs, cpu);
		rcuf_slot_add(other, &pc->other);
		for (i = 0; i < RCUF_PROCS_SLOTS; i++) {
			all[n].tgid = READ_ONCE(pc->slot[i].tgid);
			if (!all[n].tgid)
				continue;
			memcpy(all[n].comm, pc->slot[i].comm, TASK_COMM_LEN);
			all[n].comm[TASK_COMM_LEN - 1] = '\0';
			rcuf_slot_add(&all[n++], &pc->slot[i]);
		}
	}
	sort(all, n, sizeof(*all), rcuf_slot_cmp_tgid, NULL);
	for (i = 0; i < n; i++) {
		if (rows && all[rows - 1].tgid == all[i].tgid) {
			rcuf_slot_add(&all[rows - 1], &all[i]);
			continue;
		}
		if (rows != i)
			all[rows] = all[i];
		rows++;
	}
	sort(all, rows, sizeof(*all), rcuf_slot_cmp_busy, NULL);
	return rows;
}

/*
 * One row: "pid N comm C attempts N lockless N" and the top reasons. The
 * row's fallback counts are consumed (zeroed as they are printed).
 */
static void rcuf_procs_show_row(struct seq_file *m, struct rcuf_proc_slot *s,
				const char *pid)
{
	int r, i, pick;

	seq_printf(m, "pid %s comm %s attempts %lu lockless %lu", pid,
		   s->comm[0] ? s->comm : "-", s->attempts,
		   rcuf_slot_lockless(s));
	for (r = 0; r < RCUF_PROCS_TOP_REASONS; r++) {
		pick = 0;
		for (i = 1; i < RCUF_PROCS_NR_FB; i++)
			if (s->fallbacks[i] > s->fallbacks[pick])
				pick = i;
		if (!s->fallbacks[pick])
			break;
		seq_printf(m, " %s %lu", rcuf_stat_name(RCUF_PROCS_FIRST_FB + pick),
			   s->fallbacks[pick]);
		s->fallbacks[pick] = 0;
	}
	seq_putc(m, '\n');
}

/* @s's name as one word: whitespace and anything unprintable as '_'. */
static void rcuf_procs_name(struct rcuf_proc_slot *s)
{
	char *c;

	for (c = s->comm; *c; c++)
		if (isspace(*c) || !isprint(*c))
			*c = '_';
}

/**
 * rcuf_procs_show() - print debugfs procs
 * @m: its seq_file
 *
 * "collecting 0|1", then the busiest thread groups, busiest first, one
 * line each, "pid N comm NAME attempts N lockless N" followed by up to
 * three "fallback_REASON N" pairs, the largest first; then one "pid other"
 * line with the rest, if any. NAME is that of the program the process
 * last faulted in on the CPU where it faulted most (after an exec, the
 * new one's, once it faults more than the old one did there); whitespace
 * in it is printed as '_'.
 *
 * Context: process; may sleep.
 * Return: 0, or -ENOMEM if the tables could not be gathered.
 */
int rcuf_procs_show(struct seq_file *m)
{
	struct rcuf_proc_slot *all, other = { .tgid = 0 };
	int rows, i, ret = 0;
	char pid[16];

	mutex_lock(&rcuf_procs_lock);
	seq_printf(m, "collecting %d\n", static_key_enabled(&rcuf_procs_on));
	if (!rcuf_procs)
		goto out;
	all = vzalloc(array_size(num_possible_cpus() * RCUF_PROCS_SLOTS,
				 sizeof(*all)));
	if (!all) {
		ret = -ENOMEM;
		goto out;
	}
	rows = rcuf_procs_gather(all, &other);
	for (i = 0; i < rows; i++) {
		if (i >= RCUF_PROCS_SHOWN) {
			rcuf_slot_add(&other, &all[i]);
			continue;
		}
		rcuf_procs_name(&all[i]);
		snprintf(pid, sizeof(pid), "%d", all[i].tgid);
		rcuf_procs_show_row(m, &all[i], pid);
	}
	if (other.attempts)
		rcuf_procs_show_row(m, &other, "other");
	vfree(all);
out:
	mutex_unlock(&rcuf_procs_lock);
	return ret;
}

/**
 * rcuf_procs_exit() - stop counting and free the tables
 *
 * Context: process (module exit, after rcuf_hooks_remove() has removed the
 * fault hooks and waited for every call in flight).
 */
void rcuf_procs_exit(void)
{
	/* rcuf_hooks_remove() drained the fault path: nothing counts now */
	static_branch_disable(&rcuf_procs_on);
	free_percpu(rcuf_procs);
	rcuf_procs = NULL;
}
