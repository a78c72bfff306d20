// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/rcufault/ (root only):
 *   enable  read "0" or "1"; write "0" or "1" to switch lockless faults
 *   stats   "name value" lines, per-CPU counters summed; reading it first
 *           checks every tracked mm's write epoch against its mmap_lock
 *           (an odd epoch with the lock free counts as epoch_desync)
 *   reset   write "1" to zero the counters (procs' too)
 *   procs   per-process counts (src/procs.c): write "1" to start counting,
 *           "0" to stop; read "collecting 0|1" and the busiest processes
 *   watch   the mmap_lock watch (src/lockwatch.c): read or write "0" off,
 *           "1" on, "2" on with a warning line per new offending stack
 *   watch_report  what it gathered (src/lockwatch_report.c,
 *           src/lockwatch_sites.c); still readable once off
 *   watch_reset   write "1" to zero it
 *   maps    every tracked mm's shadow VMA tree: a header line per mm, then
 *           its records (see rcuf_shadow_show_mm())
 *   check   write a pid: audit that process's shadow tree against its VMA
 *           tree; read: the result of the last audit written through this
 *           open file, else the last one of anyone, "records N current N
 *           mismatches N stale_ok N dead N unhashed N vmas N tree ok|bad
 *           epoch N pid N" (see struct rcuf_shadow_audit); a write
 *           checks every tracked mm's epoch first, as a read of stats does
 * Any other write fails with -EINVAL and changes nothing.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "rcufault/debugfs.h"
#include "rcufault/hooks.h"
#include "rcufault/lockwatch.h"
#include "rcufault/mm_state.h"
#include "rcufault/procs.h"
#include "rcufault/shadow.h"
#include "rcufault/shadow_audit.h"
#include "rcufault/stats.h"
#include "rcufault/write_epoch.h"

static struct dentry *rcuf_debugfs_dir;

/* Parse a write of one digit 0..@max, with an optional trailing newline. */
static int rcuf_parse_digit(const char __user *ubuf, size_t count,
			    unsigned int max, unsigned int *val)
{
	char buf[3] = {};

	if (count < 1 || count > 2 || copy_from_user(buf, ubuf, count))
		return -EINVAL;
	if (count == 2 && buf[1] != '\n')
		return -EINVAL;
	if (buf[0] < '0' || buf[0] > '0' + max)
		return -EINVAL;
	*val = buf[0] - '0';
	return 0;
}

/* Parse a write of exactly "0" or "1", with an optional trailing newline. */
static int rcuf_parse_bit(const char __user *ubuf, size_t count, bool *bit)
{
	unsigned int val;
	int ret = rcuf_parse_digit(ubuf, count, 1, &val);

	if (!ret)
		*bit = val;
	return ret;
}

/* A write that must be exactly "1" (a trigger): 0 if it is, else -EINVAL. */
static int rcuf_parse_trigger(const char __user *ubuf, size_t count)
{
	unsigned int val;
	int ret = rcuf_parse_digit(ubuf, count, 1, &val);

	return ret ? ret : (val ? 0 : -EINVAL);
}

static ssize_t rcuf_enable_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	char buf[2] = { READ_ONCE(rcuf_enabled) ? '1' : '0', '\n' };

	return simple_read_from_buffer(ubuf, count, ppos, buf, sizeof(buf));
}

static ssize_t rcuf_enable_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	bool on;
	int ret = rcuf_parse_bit(ubuf, count, &on);

	if (ret)
		return ret;
	WRITE_ONCE(rcuf_enabled, on);
	return count;
}

static ssize_t rcuf_reset_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	int ret = rcuf_parse_trigger(ubuf, count);

	if (ret)
		return ret;
	rcuf_stats_reset();
	rcuf_procs_reset();
	return count;
}

static ssize_t rcuf_procs_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	bool on;
	int ret = rcuf_parse_bit(ubuf, count, &on);

	if (!ret)
		ret = rcuf_procs_set(on);
	return ret ? ret : count;
}

static int rcuf_procs_file_show(struct seq_file *m, void *unused)
{
	return rcuf_procs_show(m);
}

static int rcuf_procs_open(struct inode *inode, struct file *file)
{
	return single_open(file, rcuf_procs_file_show, NULL);
}

static const struct file_operations rcuf_procs_fops = {
	.owner = THIS_MODULE,
	.open = rcuf_procs_open,
	.read = seq_read,
	.write = rcuf_procs_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static ssize_t rcuf_watch_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[2] = { '0' + rcuf_lockwatch_level(), '\n' };

	return simple_read_from_buffer(ubuf, count, ppos, buf, sizeof(buf));
}

static ssize_t rcuf_watch_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	unsigned int level;
	int ret = rcuf_parse_digit(ubuf, count, 2, &level);

	if (!ret)
		ret = rcuf_lockwatch_set(level);
	return ret ? ret : count;
}

static const struct file_operations rcuf_watch_fops = {
	.owner = THIS_MODULE,
	.read = rcuf_watch_read,
	.write = rcuf_watch_write,
	.llseek = default_llseek,
};

static ssize_t rcuf_watch_reset_write(struct file *file, const char __user *ubuf,
				      size_t count, loff_t *ppos)
{
	int ret = rcuf_parse_trigger(ubuf, count);

	if (!ret)
		ret = rcuf_lockwatch_reset();
	return ret ? ret : count;
}

static const struct file_operations rcuf_watch_reset_fops = {
	.owner = THIS_MODULE,
	.write = rcuf_watch_reset_write,
	.llseek = noop_llseek,
};

static int rcuf_watch_report_show(struct seq_file *m, void *unused)
{
	return rcuf_lockwatch_show(m);
}
DEFINE_SHOW_ATTRIBUTE(rcuf_watch_report);

static int rcuf_stats_file_show(struct seq_file *m, void *unused)
{
	rcuf_epoch_verify_all();	/* an epoch stuck odd counts as epoch_desync */
	rcuf_stats_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rcuf_stats_file);

static void rcuf_maps_show_one(struct rcuf_mm *m, void *arg)
{
	rcuf_shadow_show_mm(arg, m);
}

static int rcuf_maps_file_show(struct seq_file *m, void *unused)
{
	rcuf_mm_for_each(rcuf_maps_show_one, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rcuf_maps_file);

/*
 * Reads of `check` return the result of the last audit written through the
 * same open file, else the last audit of anyone (for `echo PID > check;
 * cat check`).
 */
#define RCUF_CHECK_LEN	192
static DEFINE_MUTEX(rcuf_check_lock);
static char rcuf_check_result[RCUF_CHECK_LEN] = "none\n";

static ssize_t rcuf_check_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct rcuf_shadow_audit a;
	char *mine = file->private_data;
	int pid, ret;

	ret = kstrtoint_from_user(ubuf, count, 10, &pid);
	if (ret || pid <= 0)
		return -EINVAL;
	rcuf_epoch_verify_all();
	ret = rcuf_shadow_audit_pid(pid, &a);
	if (ret)
		return ret;
	mutex_lock(&rcuf_check_lock);
	if (!mine)
		mine = kmalloc(RCUF_CHECK_LEN, GFP_KERNEL);
	file->private_data = mine;
	scnprintf(rcuf_check_result, RCUF_CHECK_LEN,
		  "records %lu current %lu mismatches %lu stale_ok %lu dead %lu unhashed %lu vmas %lu tree %s epoch %u pid %d\n",
		  a.records, a.cur, a.mismatches, a.stale_ok, a.dead,
		  a.unhashed, a.vmas, a.tree_ok ? "ok" : "bad", a.epoch, pid);
	if (mine)
		memcpy(mine, rcuf_check_result, RCUF_CHECK_LEN);
	mutex_unlock(&rcuf_check_lock);
	return count;
}

static ssize_t rcuf_check_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[RCUF_CHECK_LEN];

	mutex_lock(&rcuf_check_lock);
	memcpy(buf, file->private_data ?: rcuf_check_result, sizeof(buf));
	mutex_unlock(&rcuf_check_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, strlen(buf));
}

static int rcuf_check_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static const struct file_operations rcuf_check_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = rcuf_check_read,
	.write = rcuf_check_write,
	.release = rcuf_check_release,
	.llseek = default_llseek,
};

static const struct file_operations rcuf_enable_fops = {
	.owner = THIS_MODULE,
	.read = rcuf_enable_read,
	.write = rcuf_enable_write,
	.llseek = default_llseek,
};

static const struct file_operations rcuf_reset_fops = {
	.owner = THIS_MODULE,
	.write = rcuf_reset_write,
	.llseek = noop_llseek,
};

/**
 * rcuf_debugfs_init() - create /sys/kernel/debug/rcufault/
 *
 * Return: 0, or -ENODEV after a pr_err line if debugfs is unavailable.
 */
int rcuf_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("rcufault", NULL);

	if (IS_ERR(dir)) {
		pr_err("cannot create debugfs directory rcufault (%ld)\n", PTR_ERR(dir));
		return -ENODEV;
	}
	debugfs_create_file("enable", 0600, dir, NULL, &rcuf_enable_fops);
	debugfs_create_file("stats", 0400, dir, NULL, &rcuf_stats_file_fops);
	debugfs_create_file("reset", 0200, dir, NULL, &rcuf_reset_fops);
	debugfs_create_file("maps", 0400, dir, NULL, &rcuf_maps_file_fops);
	debugfs_create_file("check", 0600, dir, NULL, &rcuf_check_fops);
	debugfs_create_file("procs", 0600, dir, NULL, &rcuf_procs_fops);
	debugfs_create_file("watch", 0600, dir, NULL, &rcuf_watch_fops);
	debugfs_create_file("watch_report", 0400, dir, NULL, &rcuf_watch_report_fops);
	debugfs_create_file("watch_reset", 0200, dir, NULL, &rcuf_watch_reset_fops);
	rcuf_debugfs_dir = dir;
	return 0;
}

/**
 * rcuf_debugfs_exit() - remove /sys/kernel/debug/rcufault/
 */
void rcuf_debugfs_exit(void)
{
	debugfs_remove(rcuf_debugfs_dir);
	rcuf_debugfs_dir = NULL;
}
