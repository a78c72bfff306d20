/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every rcufault counter, in the order `stats` prints them, as
 * RCUF_STAT(enum suffix, printed name). Included with RCUF_STAT defined.
 */
RCUF_STAT(FAULTS_SEEN, faults_seen)
RCUF_STAT(STOCK_FAULTS, stock_faults)
RCUF_STAT(LOCKLESS_ATTEMPTS, lockless_attempts)
RCUF_STAT(LOCKLESS_SUCCESS, lockless_success)
RCUF_STAT(SENTINEL_COMPLETIONS, sentinel_completions)
RCUF_STAT(FB_FOREIGN_MM, fallback_foreign_mm)
RCUF_STAT(FB_ERROR_CODE_UNKNOWN, fallback_error_code_unknown)
RCUF_STAT(FB_ERROR_CODE, fallback_error_code)
RCUF_STAT(FB_UNTRACKED_MM, fallback_untracked_mm)
RCUF_STAT(FB_WRITER_ACTIVE, fallback_writer_active)
RCUF_STAT(FB_PGTABLE, fallback_pgtable)
RCUF_STAT(FB_NOT_PRESENT, fallback_pte_not_present)
RCUF_STAT(FB_EPOCH_CHANGED, fallback_epoch_changed)
RCUF_STAT(WRITE_EPOCHS, write_epochs)
RCUF_STAT(DOWNGRADES, downgrades)
RCUF_STAT(MM_CREATED, mm_created)
RCUF_STAT(MM_CREATE_FAILED, mm_create_failed)
RCUF_STAT(MM_FREED, mm_freed)
