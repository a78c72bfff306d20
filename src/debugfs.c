// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/rcufault/ (root only):
 *   enable  read "0" or "1"; write "0" or "1" to switch lockless faults
 *   stats   "name value" lines, per-CPU counters summed
 *   reset   write "1" to zero the counters
 * Any other write fails with -EINVAL and changes nothing.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include "rcufault/debugfs.h"
#include "rcufault/hooks.h"
#include "rcufault/stats.h"

static struct dentry *rcuf_debugfs_dir;

/* Parse a write of exactly "0" or "1", with an optional trailing newline. */
static int rcuf_parse_bit(const char __user *ubuf, size_t count, bool *bit)
{
	char buf[3] = {};

	if (count < 1 || count > 2 || copy_from_user(buf, ubuf, count))
		return -EINVAL;
	if (count == 2 && buf[1] != '\n')
		return -EINVAL;
	if (buf[0] != '0' && buf[0] != '1')
		return -EINVAL;
	*bit = buf[0] == '1';
	return 0;
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
	bool on;
	int ret = rcuf_parse_bit(ubuf, count, &on);

	if (ret || !on)
		return -EINVAL;
	rcuf_stats_reset();
	return count;
}

static int rcuf_stats_file_show(struct seq_file *m, void *unused)
{
	rcuf_stats_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rcuf_stats_file);

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
