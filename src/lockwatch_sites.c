// SPDX-License-Identifier: GPL-2.0
/*
 * The mmap_lock watch's sites: kernel stacks at which a holder of an
 * mmap_lock did I/O or reclaim, or released a lock others waited for,
 * each with what was done there and the waits blamed on it.
 *
 * A bounded open-addressing table keyed by a hash of the frames, filled
 * from tracepoint probes (sched_switch included) without locks or
 * allocation: a slot is claimed by cmpxchg() of its hash, filled, then
 * published with a release store of ready. A stack whose probe run is
 * full is counted in dropped and only the totals see it. Two tasks that
 * claim the same new stack at once may make two slots of it: harmless,
 * and rare.
 */
#include <linux/atomic.h>
#include <linux/jhash.h>
#include <linux/module.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "rcufault/lockwatch_table.h"

#define RCUF_LW_SITE_BITS	9
#define RCUF_LW_SITE_PROBES	16
#define RCUF_LW_FRAMES		16
#define RCUF_LW_ENTRIES		(RCUF_LW_FRAMES + 4)	/* with our frames */
#define RCUF_LW_WARN_FRAMES	10
#define RCUF_LW_TOP		10

struct rcuf_lw_site {
	u32 hash;
	u32 ready;
	u32 nr;
	u8 first;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	unsigned long frames[RCUF_LW_FRAMES];
	atomic64_t count[RCUF_LW_NR_EVENTS];
	atomic64_t amount[RCUF_LW_NR_EVENTS];
	atomic64_t blamed_ns;
	atomic64_t blamed_waits;
};

static struct rcuf_lw_site *rcuf_lw_sites;
static atomic_t rcuf_lw_sites_used;
static atomic_t rcuf_lw_sites_dropped;
static atomic_t rcuf_lw_warned;

static const char *const rcuf_lw_event_names[RCUF_LW_NR_EVENTS] = {
	[RCUF_LW_BIO] = "bio",
	[RCUF_LW_IOWAIT] = "iowait",
	[RCUF_LW_DIRECT_RECLAIM] = "direct_reclaim",
	[RCUF_LW_MEMCG_RECLAIM] = "memcg_reclaim",
	[RCUF_LW_COMPACTION] = "compaction",
	[RCUF_LW_SLEEP] = "sleep",
	[RCUF_LW_PREEMPT] = "preempt",
	[RCUF_LW_KSWAPD_WAKE] = "kswapd_wake",
};

/**
 * rcuf_lw_event_name() - an event's name in watch_report
 * @ev: the event, or RCUF_LW_NR_EVENTS for "a release with waiters"
 *
 * Return: a static string.
 */
const char *rcuf_lw_event_name(enum rcuf_lw_event ev)
{
	return ev < RCUF_LW_NR_EVENTS ? rcuf_lw_event_names[ev] : "contended_release";
}

/*
 * current's stack into @entries (RCUF_LW_ENTRIES), without our own frames;
 * sets *@frames to its first frame. Return: the number of frames kept.
 */
static unsigned int rcuf_lw_stack(unsigned long *entries, unsigned long **frames)
{
	unsigned int nr = stack_trace_save(entries, RCUF_LW_ENTRIES, 0);
	unsigned int skip = 0;

	while (skip < nr && within_module(entries[skip], THIS_MODULE))
		skip++;
	*frames = entries + skip;
	return min_t(unsigned int, nr - skip, RCUF_LW_FRAMES);
}

static bool rcuf_lw_site_is(struct rcuf_lw_site *s, u32 hash,
			    const unsigned long *frames, unsigned int nr)
{
	/* ready's acquire pairs with rcuf_lw_site_fill()'s release: nr, frames */
	return READ_ONCE(s->hash) == hash && smp_load_acquire(&s->ready) &&
	       s->nr == nr && !memcmp(s->frames, frames, nr * sizeof(*frames));
}

static void rcuf_lw_site_fill(struct rcuf_lw_site *s, enum rcuf_lw_event ev,
			      const unsigned long *frames, unsigned int nr)
{
	s->nr = nr;
	s->first = ev;
	s->pid = task_tgid_nr(current);
	/* racy, as the sched_switch event's: task_lock() would deadlock there */
	memcpy(s->comm, current->comm, sizeof(s->comm));
	s->comm[sizeof(s->comm) - 1] = '\0';
	memcpy(s->frames, frames, nr * sizeof(*frames));
	/* publish: readers that see ready see the fields above */
	smp_store_release(&s->ready, 1);
	atomic_inc(&rcuf_lw_sites_used);
}

/**
 * rcuf_lw_site_capture() - the site of current's stack, added if new
 * @ev: what current does there (RCUF_LW_NR_EVENTS: a release with waiters)
 * @is_new: set if this call added it
 *
 * Context: any tracepoint probe of the watch; no lock, no allocation.
 * Return: the site's index, or RCUF_LW_NO_SITE (counted) if its probe run
 * is full.
 */
u32 rcuf_lw_site_capture(enum rcuf_lw_event ev, bool *is_new)
{
	unsigned long entries[RCUF_LW_ENTRIES], *frames;
	unsigned int nr = rcuf_lw_stack(entries, &frames);
	u32 hash = jhash(frames, nr * sizeof(*frames), 0) ?: 1;
	unsigned int i;

	*is_new = false;
	for (i = 0; i < RCUF_LW_SITE_PROBES; i++) {
		u32 idx = (hash + i) & ((1 << RCUF_LW_SITE_BITS) - 1);
		struct rcuf_lw_site *s = &rcuf_lw_sites[idx];

		if (!READ_ONCE(s->hash) && !cmpxchg(&s->hash, 0, hash)) {
			rcuf_lw_site_fill(s, ev, frames, nr);
			*is_new = true;
			return idx;
		}
		if (rcuf_lw_site_is(s, hash, frames, nr))
			return idx;
	}
	atomic_inc(&rcuf_lw_sites_dropped);
	return RCUF_LW_NO_SITE;
}

/**
 * rcuf_lw_site_add() - count @ev, and its bytes or time, at @site
 * @site: from rcuf_lw_site_capture()
 * @ev: the event
 * @amount: its bytes or nanoseconds
 */
void rcuf_lw_site_add(u32 site, enum rcuf_lw_event ev, u64 amount)
{
	atomic64_inc(&rcuf_lw_sites[site].count[ev]);
	atomic64_add(amount, &rcuf_lw_sites[site].amount[ev]);
}

/**
 * rcuf_lw_site_blame() - blame a wait of @wait_ns on @site
 * @site: from rcuf_lw_site_capture()
 * @wait_ns: the wait
 */
void rcuf_lw_site_blame(u32 site, u64 wait_ns)
{
	atomic64_inc(&rcuf_lw_sites[site].blamed_waits);
	atomic64_add(wait_ns, &rcuf_lw_sites[site].blamed_ns);
}

/**
 * rcuf_lw_site_warn() - watch=2: one line for a newly seen offending stack
 * @site: the site, new in the hold that ends now
 * @write: the hold was a write (or downgraded) one
 *
 * Rate-limited; never WARN().
 * Context: the released probe (task context, never the scheduler).
 */
void rcuf_lw_site_warn(u32 site, bool write)
{
	static DEFINE_RATELIMIT_STATE(rs, 5 * HZ, 10);
	static DEFINE_SPINLOCK(buf_lock);
	static char buf[RCUF_LW_WARN_FRAMES * 80];
	struct rcuf_lw_site *s = &rcuf_lw_sites[site];
	unsigned int i, len = 0;
	unsigned long flags;

	if (!__ratelimit(&rs))
		return;
	atomic_inc(&rcuf_lw_warned);
	spin_lock_irqsave(&buf_lock, flags);
	buf[0] = '\0';
	for (i = 0; i < s->nr && i < RCUF_LW_WARN_FRAMES; i++)
		len += scnprintf(buf + len, sizeof(buf) - len, "%s%pS",
				 i ? " < " : "", (void *)s->frames[i]);
	pr_warn("mmap_lock %s-held across %s by %s[%d]: %s\n",
		write ? "write" : "read", rcuf_lw_event_name(s->first),
		s->comm, s->pid, buf);
	spin_unlock_irqrestore(&buf_lock, flags);
}

/* the site's I/O and reclaim time, its sort key among offenders */
static u64 rcuf_lw_site_io_ns(struct rcuf_lw_site *s)
{
	u64 ns = 0;
	int ev;

	for (ev = RCUF_LW_IOWAIT; RCUF_LW_IS_IO(ev); ev++)
		ns += atomic64_read(&s->amount[ev]);
	return ns;
}

static u64 rcuf_lw_site_key(struct rcuf_lw_site *s, bool blame)
{
	if (blame)
		return atomic64_read(&s->blamed_ns);
	/* bios only as the tie-break of sites with no time */
	return rcuf_lw_site_io_ns(s) ?: !!atomic64_read(&s->count[RCUF_LW_BIO]);
}

static void rcuf_lw_site_show(struct seq_file *m, const char *what,
			      struct rcuf_lw_site *s)
{
	unsigned int i;
	int ev;

	seq_printf(m, "%s\tpid %d comm %s first %s blamed_waits %lld blamed_ns %lld io_ns %llu",
		   what, s->pid, s->comm, rcuf_lw_event_name(s->first),
		   atomic64_read(&s->blamed_waits), atomic64_read(&s->blamed_ns),
		   rcuf_lw_site_io_ns(s));
	for (ev = 0; RCUF_LW_IS_IO(ev); ev++)
		seq_printf(m, " %s %lld/%lld", rcuf_lw_event_name(ev),
			   atomic64_read(&s->count[ev]), atomic64_read(&s->amount[ev]));
	seq_putc(m, '\n');
	for (i = 0; i < s->nr; i++)
		seq_printf(m, "\t  %pS\n", (void *)s->frames[i]);
}

/* the RCUF_LW_TOP sites of highest key, best first */
static void rcuf_lw_sites_top(struct seq_file *m, const char *what, bool blame)
{
	u64 keys[RCUF_LW_TOP];
	u32 top[RCUF_LW_TOP];
	unsigned int n = 0, i, pos;

	for (i = 0; i < (1 << RCUF_LW_SITE_BITS); i++) {
		struct rcuf_lw_site *s = &rcuf_lw_sites[i];
		u64 key;

		/* pairs with rcuf_lw_site_fill()'s release */
		if (!smp_load_acquire(&s->ready))
			continue;
		key = rcuf_lw_site_key(s, blame);
		if (!key || (n == RCUF_LW_TOP && key <= keys[n - 1]))
			continue;
		pos = n < RCUF_LW_TOP ? n++ : n - 1;
		for (; pos > 0 && keys[pos - 1] < key; pos--) {
			keys[pos] = keys[pos - 1];
			top[pos] = top[pos - 1];
		}
		keys[pos] = key;
		top[pos] = i;
	}
	for (i = 0; i < n; i++)
		rcuf_lw_site_show(m, what, &rcuf_lw_sites[top[i]]);
}

/**
 * rcuf_lw_sites_show() - the site table's part of watch_report
 * @m: the report
 *
 * "sites used N dropped N warned N", then the top sites by blamed wait
 * ("blame" lines) and by I/O and reclaim time ("io" lines), each followed
 * by its frames, one per line, indented.
 */
void rcuf_lw_sites_show(struct seq_file *m)
{
	seq_printf(m, "sites\tused %d dropped %d warned %d\n",
		   atomic_read(&rcuf_lw_sites_used), atomic_read(&rcuf_lw_sites_dropped),
		   atomic_read(&rcuf_lw_warned));
	if (!rcuf_lw_sites)
		return;
	rcuf_lw_sites_top(m, "blame", true);
	rcuf_lw_sites_top(m, "io", false);
}

/**
 * rcuf_lw_sites_alloc() - allocate the site table, once
 *
 * Context: process, the watch's mutex held.
 * Return: 0 or -ENOMEM.
 */
int rcuf_lw_sites_alloc(void)
{
	if (!rcuf_lw_sites)
		rcuf_lw_sites = vzalloc(sizeof(*rcuf_lw_sites) << RCUF_LW_SITE_BITS);
	return rcuf_lw_sites ? 0 : -ENOMEM;
}

/**
 * rcuf_lw_sites_clear() - forget every site
 *
 * Context: process, the watch's mutex held, no watch probe running.
 */
void rcuf_lw_sites_clear(void)
{
	if (rcuf_lw_sites)
		memset(rcuf_lw_sites, 0, sizeof(*rcuf_lw_sites) << RCUF_LW_SITE_BITS);
	atomic_set(&rcuf_lw_sites_used, 0);
	atomic_set(&rcuf_lw_sites_dropped, 0);
	atomic_set(&rcuf_lw_warned, 0);
}

/**
 * rcuf_lw_sites_free() - free the site table
 *
 * Context: process, module exit, no watch probe running.
 */
void rcuf_lw_sites_free(void)
{
	vfree(rcuf_lw_sites);
	rcuf_lw_sites = NULL;
}
