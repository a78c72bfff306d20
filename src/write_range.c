// SPDX-License-Identifier: GPL-2.0
/*
 * Range write sections: lockless faults that a write section cannot touch
 * go on through it.
 *
 * A write section (an odd write epoch, src/write_epoch.c) begins whole: it
 * may change anything, and every lockless fault of the mm falls back or
 * fails its re-check. Some sections can only change a known range; they
 * declare it before they change anything, and a fault whose address lies
 * outside it goes on, through the whole section (rcuf_range_excludes()).
 *
 * THE RULE. A section declares [lo, hi) only if, from its begin to its
 * end, it changes nothing a fault at an address outside [lo, hi) reads:
 * the VMA that holds the address (its struct: bounds, flags, page_prot,
 * pgoff, file, anon_vma, policy, uffd context; and its being attached and
 * not freed), the page tables on the way to the address (PGD to PTE table,
 * and whether they are freed), and the PTE itself. From its begin, not
 * from its declaration: a fault that began before the section may check
 * its epoch only after the declaration, and is then let through; so a
 * section declares before it has changed anything at all.
 *
 * THE COVER. The range is never the call's [start, end) alone but
 * rcuf_range_cover() of it, taken under the write lock at the declaration:
 * from the start of the VMA before the first VMA that overlaps [start, end)
 * to the end of the VMA after the last one that does (0 and ULONG_MAX where
 * there is none). It is a run of whole VMAs and the gaps between them, so
 * every VMA that exists at the declaration lies wholly inside or wholly
 * outside it, and a fault's address outside it means the fault's VMA is
 * outside. Inside it are the VMAs the call splits (the first and last
 * overlapping ones) and its neighbours, whose bounds, pgoff and anon_vma
 * chains merges move (vma_merge(), __vma_adjust(): remove_next == 2 reaches
 * one VMA past the range's last overlapping VMA, which is that neighbour).
 * munmap merges nothing, so its cover stops at the neighbours: from the
 * end of the VMA before the first overlapping one to the start of the VMA
 * after the last (the same 0 and ULONG_MAX), still a run of whole VMAs and
 * gaps, with the neighbours outside (the __vm_munmap() entry below says
 * why they are left alone).
 * A VMA in [start, end) whose vm_ops has open, close, may_split or
 * mprotect (hugetlb, special mappings, SysV shm, kernfs and device
 * mappings) keeps the section whole: that code is not audited here.
 *
 * WHICH SECTIONS DECLARE (the proof; check it against linux-source-6.1):
 * a section declares only when its write acquire is the one of
 * __vm_munmap(), do_mprotect_pkey() or vm_mmap_pgoff() of current->mm, or
 * of the x86-64 system calls brk, mlock, mlock2, munlock or mremap (in
 * place), told by a
 * token a kretprobe on that very call holds from its entry to its return,
 * with the arguments it runs with (src/range_token.c). The first write acquire
 * of current->mm inside the call takes the token, unless a read acquire
 * (of any mm, successful or not) spent it before. For __vm_munmap(),
 * do_mprotect_pkey() and those system calls that is their own
 * mmap_write_lock_killable(): nothing before it can fault or lock (brk
 * takes it first; do_mlock() first calls can_do_mlock(), whose
 * capable() no sleepable BPF LSM program can hook; no BPF program that
 * may fault runs there).
 * vm_mmap_pgoff() runs security_mmap_file() first, where a sleepable BPF
 * LSM program's bpf_copy_from_user() or bpf_copy_from_user_task() below
 * a stack VMA could expand the stack, a write section of its own that
 * would take the token and declare mmap's empty range while it moves the
 * stack. Both take the read lock first (lock_mm_and_find_vma(),
 * __access_remote_vm(), before expand_stack_locked() or expand_stack()),
 * as every fault does, and no call that holds a token read-locks before
 * its own write acquire: so current's first read acquire inside the call
 * spends its token (rcuf_range_token_spend()), and the stack expansion
 * and the call's own section stay whole. Every
 * other write acquire (exit-to-user work such as a signal frame that
 * expands a stack, exceptions, ptrace'd registers, io_uring workers,
 * kernel threads) finds no token and stays whole. Nor does a section
 * declare when its begin was out of step, or when current is its mm's
 * only user.
 *
 *  - __vm_munmap(start, len, downgrade) (munmap(2), vm_munmap()):
 *    mmap_write_lock_killable() (our declaration, its only write acquire)
 *    -> do_mas_munmap(): validation, arch_unmap() (x86: nothing), the
 *    first VMA overlapping [start, end) -> do_mas_align_munmap():
 *    __split_vma() of the first and last overlapping VMAs (inside the
 *    cover), mas_store_gfp() of the overlapping VMAs into a detached tree,
 *    userfaultfd_unmap_prep() of [start, end), mas_store_prealloc() of NULL
 *    over [start, end), mm->locked_vm and map_count (no fault reads
 *    them), mmap_write_downgrade() (the section goes on read-held, see
 *    write_epoch.c; not beside a VM_GROWSDOWN next, which stays
 *    write-held and untouched), unmap_region(): unmap_vmas() of the
 *    detached VMAs only, free_pgtables() of the detached VMAs between
 *    floor prev->vm_end and ceiling next->vm_start, with prev and next
 *    the VMAs around [start, end) after the splits (mas_prev() from
 *    start; next the first VMA at or above end: the upper part of a split
 *    or mas_next()): prev is the lower part of a split first VMA (inside
 *    the cover) or the VMA before the first overlapping one, so floor is
 *    at or above the cover's start; next likewise puts ceiling at or below
 *    its end; FIRST_USER_ADDRESS (0) and USER_PGTABLES_CEILING (0, no
 *    ceiling) where there is none. free_pgd_range() never frees a table
 *    that maps an address below floor or at or above ceiling, so no table
 *    on the way to an address outside the cover; unlink_anon_vmas() and
 *    unlink_file_vma() of the detached VMAs (an anon_vma they share with
 *    a VMA outside keeps that VMA's chain and is not freed); remove_mt()
 *    frees the detached VMAs only. Nothing in this path changes a field
 *    of prev or next that a fault reads (no vma_merge(), no __vma_adjust()
 *    but the splits', which pass an insert VMA and so never reach next;
 *    the i_mmap interval tree's rebalancing rewrites shared.rb of other
 *    VMAs of the same file, a field no fault reads), which is why
 *    munmap's cover leaves them out. Nor can a freed table map them
 *    whatever the rounding: each covers one run of addresses that holds
 *    a detached one, prev and next stay mapped throughout, so it would
 *    break the stock kernel's own faults on them. Length zero,
 *    misalignment and overflow are classified whole, and an address
 *    range with no VMA changes nothing.
 *  - do_mprotect_pkey(start, len, prot, pkey) (mprotect(2),
 *    pkey_mprotect(2)): PROT_GROWSDOWN/PROT_GROWSUP are classified whole
 *    (they move start to the VMA's start); mmap_write_lock_killable() (our
 *    declaration); the loop over the VMAs overlapping [start, end) calls
 *    mprotect_fixup(vma, &prev, nstart, tmp, newflags) on each, with
 *    nstart and tmp inside [start, end): walk_page_range() (PFN checks,
 *    read-only) over [start, end); may_expand_vm() and
 *    security_vm_enough_memory_mm() (mm counters); vma_merge(mm, prev,
 *    start, end, ...) with prev the VMA before start or the overlapping
 *    VMA itself, whose __vma_adjust() changes prev, the overlapping VMA
 *    and at most the VMA after end (all inside the cover); split_vma() of
 *    the overlapping VMA; vm_flags, vma_set_page_prot() and
 *    change_protection() over [start, end) of that VMA; and for VM_LOCKED
 *    made writable, populate_vma_page_range() over the same range (GUP
 *    faults on that VMA only). tlb_gather_mmu()/tlb_finish_mmu() flush
 *    only what was changed.
 *  - vm_mmap_pgoff(file, addr, len, ...) (mmap(2), vm_mmap()): whole
 *    if @file is set (its get_unmapped_area() and ->mmap() are its file
 *    system's or driver's code, not audited here). For anonymous memory
 *    the section is split in two (THE SPLIT below). Its write acquire
 *    declares the empty range: do_mmap() changes nothing before
 *    mmap_region() (get_unmapped_area(), arch_get_unmapped_area_topdown()
 *    or shmem_get_unmapped_area() for MAP_SHARED, and
 *    find_vma_intersection() for MAP_FIXED_NOREPLACE only read the VMA
 *    tree; mlock_future_check() reads counters; execute_only_pkey()
 *    changes the mm's pkey bitmap and current's PKRU, which no fault of
 *    ours reads: protection-key faults always fall back), and
 *    vm_mmap_pgoff() calls nothing else with the lock held. Then
 *    mmap_region()'s ftrace callback, before it runs, begins the second
 *    part, which declares [addr, addr + len)'s cover. mmap_region():
 *    arch_validate_flags(), mapping_map_writable() (the file's counter),
 *    may_expand_vm(), do_mas_munmap() of [addr, addr + len) as above,
 *    vma_expand() or vma_merge() with the VMAs before and after the range,
 *    shmem_zero_setup() for shared anonymous memory (a new file for the
 *    new VMA), vma_link()/mas_store_prealloc() of the new VMA,
 *    khugepaged_enter_vma() (adds the mm to a list), perf_event_mmap(),
 *    vm_stat_account(), uprobe_mmap() (breakpoints in the new VMA), and
 *    on error unmap_region() of the new VMA between its prev and next.
 *
 *  - brk(brk): the write lock (our declaration) is its first act; the
 *    range is from PAGE_ALIGN(mm->brk) to PAGE_ALIGN(brk), either way
 *    (rcuf_range_of_brk(); mm->brk only changes under the write lock,
 *    which we hold). Nothing changes before the checks pass (min_brk,
 *    check_data_rlimit(), an unchanged aligned break sets mm->brk only).
 *    Shrinking: do_brk_munmap() of [newbrk, oldbrk) -> arch_unmap() (x86:
 *    nothing) and do_mas_align_munmap(), munmap's own path as above,
 *    with its downgrade. Growing: check_brk_limits() and the stack guard
 *    gap check only read (the next VMA must leave a guard gap above
 *    newbrk + PAGE_SIZE, so none starts in [oldbrk, newbrk + PAGE_SIZE));
 *    do_brk_flags(brkvma, oldbrk, len), brkvma being the VMA
 *    before oldbrk (the cover's prev): may_expand_vm() and
 *    security_vm_enough_memory_mm() (counters); either brkvma grows in
 *    place (vma_adjust_trans_huge() of brkvma's own huge PMDs, its
 *    anon_vma interval tree, vm_end, VM_SOFTDIRTY,
 *    khugepaged_enter_vma()) or a new VMA is stored over [oldbrk,
 *    newbrk); perf_event_mmap() and the mm's counters. Pages of an
 *    mlockall(MCL_FUTURE) mm are populated after the unlock (faults).
 *  - mlock(start, len), mlock2(start, len, flags), munlock(start, len):
 *    do_mlock()/munlock() round [start, start + len) out to pages as
 *    rcuf_range_of_call() does, take the write lock (our declaration),
 *    count_mm_mlocked_page_nr() reads, apply_vma_lock_flags() calls
 *    mlock_fixup() on each VMA overlapping the range with its part of
 *    it: vma_merge() with prev (the VMA before start, or the VMA itself)
 *    reaching at most the VMA after the range, split_vma() of the VMA,
 *    mm->locked_vm, vm_flags (VM_IO set and cleared around the walk), and
 *    mlock_vma_pages_range(): walk_page_range() of that part of the VMA,
 *    which mlocks or munlocks the pages it maps (page flags and LRU, no
 *    PTE and no table changes). mlock's __mm_populate() runs after the
 *    unlock (GUP faults). VM_SPECIAL, hugetlb, DAX and secretmem VMAs are
 *    skipped by mlock_fixup(); hooked VMAs keep the section whole anyway.
 *  - madvise(start, len, advice) with MADV_HUGEPAGE or MADV_NOHUGEPAGE: no
 *    token (a kretprobe on madvise(2) would cost every call, MADV_DONTNEED's
 *    included, which allocators make all the time), so its write acquire
 *    begins whole; then hugepage_madvise()'s ftrace callback, called only for
 *    these two advices, splits the section at the call's first VMA
 *    (rcuf_range_madvise(), THE SPLIT below): the first part, which changed
 *    nothing, declares the empty range after the fact, and the second part
 *    the call's range's cover. The section is do_madvise()'s own:
 *    hugepage_madvise()'s only caller is madvise_vma_behavior(), under
 *    do_madvise()'s mmap_write_lock_killable() (madvise_need_mmap_write() is
 *    true for both advices); of do_madvise()'s other callers,
 *    process_madvise(2) refuses these advices
 *    (process_madvise_behavior_valid()), DAMON's kdamond threads have no mm
 *    of their own (@vma's mm is not current->mm), and io_uring's workers
 *    never declare (rcuf_range_may_declare(): PF_IO_WORKER), which matters
 *    here: a new io-wq worker's saved registers are a copy of its parent's,
 *    which may be those of a madvise(2) call. The call's range is read where
 *    the x86-64 madvise(2) wrapper read it, from current's saved user
 *    registers, which nothing writes while current runs the call's body (a
 *    ptrace stop or a seccomp filter only comes before the wrapper; the
 *    exit stop, task_work and a signal frame after the body, where
 *    hugepage_madvise() is never called); only if they say madvise(2), natively, with this very advice,
 *    and the VMA is the first one of the call's walk (find_vma() of its
 *    start; it overlaps the range). do_madvise(): PAGE_ALIGN(len), no
 *    overflow, an empty range returns before the lock (rcuf_range_of()
 *    computes the same), then the write lock (the section's begin),
 *    blk_start_plug() (current's plug list), and madvise_walk_vmas():
 *    find_vma_prev() and, at the first VMA overlapping [start, end),
 *    madvise_vma_behavior(), which reads vm_flags and calls
 *    hugepage_madvise(): nothing is changed before the callback, at the first
 *    VMA; later VMAs come after the first one's changes. The callback at the
 *    first VMA decides, once for the section and before anything else (also
 *    whether lockless faults are on: m->range_class records it), whether the
 *    section splits; every later call finds it decided, and no later VMA is
 *    find_vma() of the start, where a VMA the walk has passed (which it never
 *    unmaps) now lies. From the split: for each VMA overlapping [start, end),
 *    with its part [s, t) of it, hugepage_madvise() (vm_flags computed in a
 *    local; MADV_HUGEPAGE's khugepaged_enter_vma() may put the mm on
 *    khugepaged's list: __khugepaged_enter() allocates a slot, sets
 *    MMF_VM_HUGEPAGE in mm->flags, which only khugepaged, fork, exit and
 *    khugepaged_enter_vma() (also reached from vma_merge() and stock huge
 *    page faults) read, no fault path of ours, and wakes khugepaged, whose
 *    collapses take the write lock, whole sections), then
 *    madvise_update_vma(vma, &prev, s, t, ...): nothing if the flags are
 *    unchanged; else vma_merge() with prev (the VMA before start, or the VMA
 *    itself) reaching at most the VMA after the range, __split_vma() of the
 *    VMA at s and t (vma_adjust_trans_huge() of its own huge PMDs, the new
 *    part's anon_vma chain and policy), and vm_flags; replace_anon_vma_name()
 *    (the VMA's own name). Between VMAs, find_vma() reads. Then
 *    blk_finish_plug() and the unlock. This is mlock's shape, and its cover.
 *    The advices that only change flags (rcuf_range_madvise_flags_only():
 *    MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_DONTFORK, MADV_DOFORK,
 *    MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_DONTDUMP and MADV_DODUMP, for
 *    each of which madvise_need_mmap_write() is true) have no function of
 *    their own (6.1 inlines madvise_vma_behavior() and madvise_update_vma()
 *    into do_madvise()), and are split the same way at vma_merge()'s ftrace
 *    callback (rcuf_range_madvise_merge()): only if vma_merge() was called
 *    from do_madvise()'s text (its return address; Debian's 6.1 build
 *    inlines madvise_update_vma() there: a build that does not only loses
 *    the splits), current's saved registers say
 *    madvise(2), natively, with one of these advices, for current->mm, and
 *    the VMA that holds vma_merge()'s addr is the call's first one
 *    (find_vma() of the call's start). The caller's text matters: the
 *    registers stay saved after the call's body, and task_work run on
 *    its way back to user space would find them: io_uring's, which may
 *    close a userfaultfd, whose userfaultfd_release() write-locks the mm
 *    and calls vma_merge() on every registered VMA; after the body the
 *    registers may even have been rewritten by a ptracer at the
 *    syscall-exit stop. do_madvise()'s other callers: process_madvise(2)
 *    refuses these advices, io_uring's io_madvise() returns -EAGAIN when
 *    not allowed to block and so only runs in io-wq workers, which never
 *    declare, and DAMON's kdamond threads have no mm of their own (the mm
 *    is not current->mm). For that VMA,
 *    madvise_vma_behavior() computed new_flags in a local (MADV_DOFORK's
 *    VM_IO, MADV_WIPEONFORK's file or VM_SHARED and MADV_DODUMP's
 *    VM_SPECIAL checks return -EINVAL, which ends the walk with nothing
 *    changed), took a reference on the VMA's anon_vma_name (a kref no
 *    fault reads), and madvise_update_vma() returned at once if the flags
 *    are unchanged (a later VMA's vma_merge() is then not at the first
 *    VMA: whole), else called vma_merge() first: nothing changed before
 *    the callback, and from it the section is madvise_update_vma()'s, as
 *    above. In do_madvise()'s text only madvise_update_vma() calls
 *    vma_merge(); its other callers (mprotect_fixup(), mlock_fixup(),
 *    mremap's, copy_vma(), mbind()'s, userfaultfd's) have their own. MADV_MERGEABLE and MADV_UNMERGEABLE stay
 *    whole: ksm_madvise() runs before vma_merge(), and MADV_UNMERGEABLE's
 *    unmerge_ksm_pages() changes PTEs there.
 *  - mremap(addr, old_len, new_len, flags), only when it stays in place
 *    (rcuf_range_mremap_in_place(): no MREMAP_FIXED, MREMAP_DONTUNMAP or
 *    unknown flag, and MREMAP_MAYMOVE only when it shrinks; a call that
 *    may move has no token and is whole): the range is [addr, addr +
 *    max(old_len, new_len)), both page-aligned as mremap() aligns them.
 *    Before the write lock: untagged_addr() (x86-64 6.1: the address
 *    itself, include/linux/mm.h), flag and alignment checks, and a zero
 *    new_len returns; then mmap_write_lock_killable() (our declaration,
 *    its first act). vma_lookup(addr) reads; a hugetlb VMA (whose
 *    alignment rounds both lengths up, in the same order) has vm_ops
 *    open and close, so the section is whole. Shrinking (old_len >=
 *    new_len, with or without MREMAP_MAYMOVE): do_mas_munmap() of [addr +
 *    new_len, addr + old_len) with its downgrade, munmap's path as above
 *    (it may span several VMAs), whose cover lies inside ours: its first
 *    overlapping VMA is addr's or one after it, so the VMA before that is
 *    addr's, its prev (our cover's start) or one in between, and the VMA
 *    after its last overlapping one is ours. Growing (no MREMAP_MAYMOVE:
 *    the token says so): vma_to_resize() reads (vma_lookup(), flag checks,
 *    -EFAULT for an old_len past addr's VMA, mlock_future_check(),
 *    may_expand_vm()); unless old_len reaches exactly to the end of addr's
 *    VMA and vma_expandable() finds [vm_end, addr + new_len) free
 *    (find_vma_intersection(), and get_unmapped_area() with MAP_FIXED:
 *    arch_mmap_check(), mm->get_unmapped_area() returns the address, and
 *    security_mmap_addr() checks), the call fails with nothing changed.
 *    Else security_vm_enough_memory_mm() for VM_ACCOUNT (counters, as is
 *    vm_unacct_memory() on failure) and, for a VMA without vm_ops->close
 *    (one with it has hooks: whole), vma_merge(mm, vma, addr + old_len,
 *    addr + new_len, ...) with that VMA as prev. VM_SPECIAL flags return
 *    NULL before any change. Its next is find_vma() of prev's end, which
 *    starts at or above addr + new_len (the extension is free), so it
 *    never ends there and is never skipped for a later one; the extension
 *    always merges with prev (the same flags, file, anon_vma, policy,
 *    uffd context and name, and a contiguous pgoff), so vma_merge() takes
 *    case 1 or 6 (next, when it starts at addr + new_len and is
 *    compatible, is merged too: __vma_adjust(prev, prev->vm_start,
 *    next->vm_end, ...), remove_next 1 and no next_next, as end is
 *    next->vm_end) or case 2, 5 or 7 (__vma_adjust(prev, prev->vm_start,
 *    addr + new_len, ...), neither remove_next nor adjust_next).
 *    __vma_adjust() changes prev (bounds, the maple tree's entry,
 *    the i_mmap tree, uprobe_munmap()/uprobe_mmap() of it; its
 *    vma_adjust_trans_huge() finds nothing to split, start being vm_start
 *    and end past the old VMA) and, when merged, next (anon_vma_merge(),
 *    fput(), mpol_put(), vm_area_free()): next is the cover's next, whose
 *    end is the cover's end. Then khugepaged_enter_vma(); vm_stat_account()
 *    and mm->locked_vm are counters. After the unlock, mm_populate() of a
 *    VM_LOCKED growth (GUP faults) and the userfaultfd completions: the
 *    move's context is only filled by move_vma(), and do_mas_munmap()'s
 *    userfaultfd_unmap_prep() only builds a list.
 *
 * THE SPLIT (rcuf_range_split(), called by rcuf_range_mmap_region() and
 * rcuf_range_madvise_split(), which take the cover first). A section
 * that has declared the empty range, or is whole, and has changed nothing
 * yet may go on as a new section with a range of its own: the writer
 * resets the slot of the epoch two ahead and declares there (as
 * rcuf_range_prepare() does before a begin), then moves the epoch on by
 * two in one store and waits out the PTE table publishers
 * (rcuf_epoch_section_split(): the begin's W1 to W3, see src/pte_table.c).
 * To a fault, the first part is a section that changed nothing, the
 * second one that begins as any section does; a fault that went on
 * through an empty first part re-checks the second's range like any
 * other fault that began before a section, and one that met a whole
 * first part falls back while its slot is not ranged. A whole first part
 * (madvise's) that is split has changed nothing, by the call it comes
 * from, so its slot declares the empty range just before the split,
 * after the fact (rcuf_range_unchanged_so_far()): true of the part from
 * its begin, so faults that re-check from then on may go on through it,
 * and those that read the slot before saw it whole and fell back. The
 * range audit checks a first part on its own: it must change no VMA at
 * all. An empty one is recorded at its declaration, a madvise call's
 * whole one at its begin (test builds: rcuf_range_audit_madvise_begin()).
 *
 * Everything else stays whole: fork, exec, exit, mremap that may move
 * (MREMAP_FIXED, MREMAP_DONTUNMAP, growth with MREMAP_MAYMOVE: two ranges,
 * and move_page_tables(), not audited here), madvise but for
 * MADV_HUGEPAGE, MADV_NOHUGEPAGE and the flag changes, mlockall,
 * prctl, userfaultfd, khugepaged and other kernel threads, stack
 * expansion from the fault path or a signal frame, GUP, io_uring, the
 * ia32 entries of the system calls above, and every call not listed.
 *
 * THE PROTOCOL (rcuf_range_excludes()). Each section has a slot,
 * struct rcuf_range_slot, by its odd epoch e (RCUF_RANGE_SLOTS of them, in
 * a ring). Before the epoch becomes e (from even by one; from odd, when an
 * end was missed, by two in one store), the writer resets e's slot
 * (rcuf_range_reset(): not ranged, epoch e) and issues smp_wmb(); an end
 * out of step resets its section's slot too before it moves the epoch. To
 * declare, the writer writes the range into its slot, then sets the slot's
 * ranged flag with release semantics, once, before it changes anything:
 * right after the reset, before the epoch moves, so that no fault ever
 * sees it undeclared (rcuf_range_prepare(), and THE SPLIT; a whole first
 * part that is split is declared empty after the fact, see there); nothing
 * orders the flag's store before the epoch's, but a fault that sees the
 * epoch first finds the slot not ranged and falls back. A fault at epoch
 * @seq with the epoch now @cur goes on iff @cur == @seq and even, or every
 * section since (each odd epoch e with @seq <= e <= @cur, at most
 * RCUF_RANGE_SLOTS - 1 of them: @cur - @seq <= 2 * (RCUF_RANGE_SLOTS - 2))
 * has its slot ranged, for e, with a range without the address, all read
 * between two reads of the epoch that both give @cur. Between those reads
 * no section after @cur has begun, and the only slot written before a
 * begin (the next section's reset) is none of those read, the ring being
 * larger than the window; a slot read is never written again while its
 * epoch is @cur or older (the split declares in the slot of the epoch two
 * ahead), with two exceptions that only ever make a fault fall back or
 * tell it the truth: an end out of step resets its own section's slot,
 * which a fault may be reading (it falls back), and a whole first part
 * about to be split declares its own slot empty after the fact (lo and hi
 * are written before the release of the flag, which turns from not
 * ranged to ranged, once: a fault sees it whole, or empty, which it is).
 */
#include <linux/atomic.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <asm/syscall.h>
#include <asm/unistd.h>
#include "rcufault/hooks.h"
#include "rcufault/mm_state.h"
#include "rcufault/range_audit.h"
#include "rcufault/range_token.h"
#include "rcufault/shadow.h"
#include "rcufault/stats.h"
#include "rcufault/symbols.h"
#include "rcufault/test_params.h"
#include "rcufault/write_epoch.h"
#include "rcufault/write_range.h"

/*
 * A declaration pays only for faults that meet the section: those that
 * begin during it or re-check across it, and go on when it leaves their
 * address out. Where none of an mm's faults meets its sections (a thread
 * that maps, touches, protects and unmaps its own memory while the
 * others sleep or compute), the cover, the slot and the refresh at the
 * end are the writer's cost alone: in a 2-thread guest loop of mmap, 16
 * faults, mprotect and munmap of 16 pages (one boot, 8 paired rounds,
 * lockless/stock), mmap took 1.23x and mprotect 1.18x with every section
 * declared, and 1.02x and 1.03x with none. So a section declares only
 * while a fault of its mm met one of its last range_idle_sections
 * declaring sections (counted in @m->range_idle); past that it stays
 * whole (whole_sections_idle) until a fault meets a section again, which
 * costs that one fault its lockless try (writer_active or epoch_changed).
 * Whole is always safe (see the header): the count only decides whether a
 * section that may declare does, never what it declares. It is written
 * without ordering by the writer and by faults: a lost update only
 * declares a section more or fewer.
 */
static unsigned int range_idle_sections = RCUF_TEST_BUILD ? 0 : 64;
module_param(range_idle_sections, uint, 0600);
MODULE_PARM_DESC(range_idle_sections,
		 "a write section declares its range only while a fault of its mm met one of its last this many declaring sections (default 64; 0: always)");

/* A fault met a section of @m (began in it, or re-checks across it). */
static void rcuf_range_met(struct rcuf_mm *m)
{
	if (READ_ONCE(m->range_idle))
		WRITE_ONCE(m->range_idle, 0);
}

/*
 * Does a section of @m that may declare still pay for it (see
 * range_idle_sections)? Counts it if it does.
 */
static bool rcuf_range_wanted(struct rcuf_mm *m)
{
	unsigned int limit = READ_ONCE(range_idle_sections);
	unsigned int idle = READ_ONCE(m->range_idle);

	if (!limit || rcuf_test_range_audit())
		return true;
	if (idle >= limit) {
		rcuf_stat_inc(RCUF_STAT_WHOLE_SECTIONS_IDLE);
		return false;
	}
	WRITE_ONCE(m->range_idle, idle + 1);
	return true;
}

static struct rcuf_range_slot *rcuf_range_slot(struct rcuf_mm *m,
					       unsigned int epoch)
{
	return &m->ranges[(epoch >> 1) % RCUF_RANGE_SLOTS];
}

/* Did the section of odd epoch @e declare a range without @addr? */
static bool rcuf_range_slot_excludes(struct rcuf_mm *m, unsigned int e,
				     unsigned long addr)
{
	struct rcuf_range_slot *s = rcuf_range_slot(m, e);

	/*
	 * pairs with rcuf_range_publish() and rcuf_range_unchanged_so_far():
	 * the range before the flag
	 */
	if (!smp_load_acquire(&s->ranged) || READ_ONCE(s->epoch) != e)
		return false;
	return addr < READ_ONCE(s->lo) || addr >= READ_ONCE(s->hi);
}

/**
 * rcuf_range_excludes() - may a fault at @addr that began at epoch @seq
 * go on?
 * @m: the faulting mm's state
 * @seq: the epoch the fault began at (odd: a section was running)
 * @addr: the faulting address
 *
 * Context: any; takes no lock.
 * Return: true if no write section began since @seq, or every one that is
 * concerned declared a range without @addr (see the header).
 */
bool rcuf_range_excludes(struct rcuf_mm *m, unsigned int seq,
			 unsigned long addr)
{
	unsigned int cur = raw_read_seqcount(&m->write_seq), e;

	if (cur == seq && !(seq & 1))
		return true;
	rcuf_range_met(m);
	if (cur - seq > 2 * (RCUF_RANGE_SLOTS - 2))
		return false;
	for (e = seq | 1; (int)(cur - e) >= 0; e += 2)
		if (!rcuf_range_slot_excludes(m, e, addr))
			return false;
	smp_rmb();	/* the slots before the epoch's re-read */
	return raw_read_seqcount(&m->write_seq) == cur;
}

/**
 * rcuf_range_reset() - the section of epoch @epoch begins whole
 * @m: the state; current write-owns its mm
 * @epoch: the odd epoch the section is about to have
 *
 * Context: the write acquire or release probe, before the epoch becomes
 * @epoch (or moves on from it).
 */
void rcuf_range_reset(struct rcuf_mm *m, unsigned int epoch)
{
	struct rcuf_range_slot *s = rcuf_range_slot(m, epoch);

	rcuf_range_audit_drop(m);
	WRITE_ONCE(s->ranged, false);
	WRITE_ONCE(s->epoch, epoch);
	m->range_class = RCUF_RANGE_WHOLE;
	smp_wmb();	/* reset before the epoch moves: rcuf_range_excludes() */
}

/* current's section's slot (current is its writer: the epoch is its own) */
static struct rcuf_range_slot *rcuf_range_own_slot(struct rcuf_mm *m)
{
	return rcuf_range_slot(m, raw_read_seqcount(&m->write_seq));
}

/*
 * Does @vma's munmap or mprotect run code of its driver or file system
 * (vm_ops->open and ->may_split at a split, ->close when it is removed,
 * ->mprotect)? Such a section stays whole: that code is not audited here.
 * Anonymous memory and page-cache files (ext4, xfs, shmem: fault,
 * map_pages and page_mkwrite only) have none of them.
 */
static bool rcuf_range_vma_has_hooks(struct vm_area_struct *vma)
{
	const struct vm_operations_struct *ops = vma->vm_ops;

	return ops && (ops->open || ops->close || ops->may_split ||
		       ops->mprotect);
}

/*
 * Widen [*lo, *hi) to whole VMAs and, unless @class is munmap's, their
 * neighbours: munmap's cover stops at them (see the header).
 * The mmap_lock is held for write by current.
 * Return: false if a VMA in [*lo, *hi) has hooks: the section stays whole.
 */
static bool rcuf_range_cover(struct mm_struct *mm, int class,
			     unsigned long *lo, unsigned long *hi)
{
	struct vm_area_struct *first = find_vma(mm, *lo);
	struct vm_area_struct *prev, *next;

	/* next: the first VMA that starts at or above *hi, found on the way */
	for (next = first; next && next->vm_start < *hi;
	     next = find_vma(mm, next->vm_end))
		if (rcuf_range_vma_has_hooks(next))
			return false;
	prev = mt_prev(&mm->mm_mt, first ? first->vm_start : *lo, 0);
	if (class == RCUF_RANGE_MUNMAP || rcuf_test_range_narrow()) {
		*lo = prev ? prev->vm_end : 0;
		*hi = next ? next->vm_start : ULONG_MAX;
	} else {
		*lo = prev ? prev->vm_start : 0;
		*hi = next ? next->vm_end : ULONG_MAX;
	}
	return true;
}

/* Declare [lo, hi) as it is in slot @s (lo == hi: the empty range). */
static void rcuf_range_publish(struct rcuf_mm *m, struct rcuf_range_slot *s,
			       int class, unsigned long lo, unsigned long hi)
{
	m->range_class = class;
	WRITE_ONCE(s->lo, lo);
	WRITE_ONCE(s->hi, hi);
	rcuf_range_audit_begin(m, lo, hi);
	smp_store_release(&s->ranged, true);	/* see rcuf_range_excludes() */
}

/*
 * Widen [*lo, *hi) to its cover (left bare by test_range_uncovered).
 * Return: false if the section stays whole (rcuf_range_cover()).
 */
static bool rcuf_range_widen(struct mm_struct *mm, int class,
			     unsigned long *lo, unsigned long *hi)
{
	return rcuf_test_range_uncovered() ||
	       rcuf_range_cover(mm, class, lo, hi);
}

/*
 * Declare [lo, hi) (page-aligned, lo < hi), widened to its cover, in slot
 * @s of current's section of @m (see the header).
 */
static void rcuf_range_declare(struct rcuf_mm *m, struct rcuf_range_slot *s,
			       int class, unsigned long lo, unsigned long hi)
{
	if (rcuf_range_widen(m->mm, class, &lo, &hi))
		rcuf_range_publish(m, s, class, lo, hi);
}

/* Page-aligned [start, start + len) in user space, or false. */
static bool rcuf_range_of(unsigned long start, unsigned long len,
			  unsigned long *lo, unsigned long *hi)
{
	if (offset_in_page(start) || !len || start >= TASK_SIZE_MAX ||
	    len > TASK_SIZE_MAX - start)
		return false;
	*lo = start;
	*hi = start + PAGE_ALIGN(len);
	return *hi <= TASK_SIZE_MAX;
}

/**
 * rcuf_range_class_name() - what a section of @class comes from, for logs
 * @class: an enum rcuf_range_class
 *
 * Return: the call's name ("whole" for RCUF_RANGE_WHOLE).
 */
const char *rcuf_range_class_name(int class)
{
	static const char *const name[] = {
		[RCUF_RANGE_WHOLE] = "whole",
		[RCUF_RANGE_MUNMAP] = "munmap",
		[RCUF_RANGE_MPROTECT] = "mprotect",
		[RCUF_RANGE_MMAP] = "mmap",
		[RCUF_RANGE_BRK] = "brk",
		[RCUF_RANGE_MLOCK] = "mlock",
		[RCUF_RANGE_MADVISE] = "madvise",
		[RCUF_RANGE_MREMAP] = "mremap",
	};

	return class >= 0 && class < ARRAY_SIZE(name) ? name[class] : "?";
}

/**
 * rcuf_range_mremap_in_place() - can mremap(2) with these arguments only
 * shrink or grow its mapping in place?
 * @old_len: its second argument
 * @new_len: its third
 * @flags: its fourth
 *
 * Context: any (the token's kretprobe entry, src/range_token.c).
 * Return: true without MREMAP_FIXED and MREMAP_DONTUNMAP (and unknown
 * flags, which mremap() refuses), and with MREMAP_MAYMOVE only if the
 * call shrinks (page-aligned as mremap() aligns them): such a call never
 * moves a mapping (see the header). Every other call may: whole.
 */
bool rcuf_range_mremap_in_place(unsigned long old_len, unsigned long new_len,
				unsigned long flags)
{
	if (flags & ~MREMAP_MAYMOVE)
		return false;
	return !(flags & MREMAP_MAYMOVE) ||
	       PAGE_ALIGN(new_len) <= PAGE_ALIGN(old_len);
}

/*
 * brk(@brk): from the page-aligned break to the page-aligned @brk, either
 * way (the write lock is held, so mm->brk is the value brk() will read;
 * prctl(PR_SET_MM) changes it under the read lock only). Where they are
 * equal, or brk() will refuse, nothing of the address space changes, and
 * any range is sound: one page.
 */
static bool rcuf_range_of_brk(struct mm_struct *mm, unsigned long brk,
			      unsigned long *lo, unsigned long *hi)
{
	unsigned long cur = PAGE_ALIGN(READ_ONCE(mm->brk));

	if (brk >= TASK_SIZE_MAX || cur >= TASK_SIZE_MAX)
		return false;
	brk = PAGE_ALIGN(brk);
	*lo = min(brk, cur);
	*hi = max(brk, cur);
	if (*lo == *hi)
		*hi += PAGE_SIZE;
	return *hi <= TASK_SIZE_MAX;
}

/*
 * The range a call of @class with arguments @start, @len, @prot can
 * change, before its cover, computed as the call computes it (see the
 * header); false: whole.
 */
static bool rcuf_range_of_call(struct mm_struct *mm, int class,
			       unsigned long start, unsigned long len,
			       unsigned long prot, unsigned long *lo,
			       unsigned long *hi)
{
	switch (class) {
	case RCUF_RANGE_MPROTECT:
		if (prot & (PROT_GROWSDOWN | PROT_GROWSUP))
			return false;
		fallthrough;
	case RCUF_RANGE_MUNMAP:
		return rcuf_range_of(start, len, lo, hi);
	case RCUF_RANGE_MLOCK:	/* do_mlock() and munlock()'s rounding */
		return rcuf_range_of(start & PAGE_MASK,
				     PAGE_ALIGN(len + offset_in_page(start)),
				     lo, hi);
	case RCUF_RANGE_BRK:
		return rcuf_range_of_brk(mm, start, lo, hi);
	case RCUF_RANGE_MREMAP:	/* old_len, new_len: mremap()'s alignment */
		return rcuf_range_of(start, max(PAGE_ALIGN(len), PAGE_ALIGN(prot)),
				     lo, hi);
	default:
		return false;
	}
}

/*
 * May a section current begins on @m declare? Not unless it begins in
 * step (@clean), in a user task; nor when current is the mm's only user:
 * no other task can fault on it beside the section, and declaring would
 * only cost the writer its rcuf_range_cover() (the audit's test lanes
 * declare there too, to audit single-threaded programs' sections); nor
 * when no fault met the mm's recent sections (rcuf_range_wanted()).
 */
static bool rcuf_range_may_declare(struct rcuf_mm *m, bool clean)
{
	return clean && m->mm == current->mm &&
	       !(current->flags & (PF_KTHREAD | PF_IO_WORKER)) &&
	       (atomic_read(&m->mm->mm_users) > 1 || rcuf_test_range_audit()) &&
	       rcuf_range_wanted(m);
}

/*
 * current's madvise(2) call: its advice, and its range page-aligned as
 * do_madvise() has it, read where the x86-64 wrapper read its arguments
 * (see the header); -1 if current is not in a native madvise(2) call, or
 * its range is empty or not in user space.
 */
static int rcuf_range_madvise_call(unsigned long *lo, unsigned long *hi)
{
	struct pt_regs *regs = task_pt_regs(current);

	if (in_compat_syscall() ||
	    syscall_get_nr(current, regs) != __NR_madvise ||
	    !rcuf_range_of(regs->di, regs->si, lo, hi))
		return -1;
	return (int)regs->dx;
}

/*
 * Does @advice only change flags, so that madvise_update_vma()'s
 * vma_merge() is its section's first change (see the header)?
 */
static bool rcuf_range_madvise_flags_only(int advice)
{
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
		return true;
	default:
		return false;
	}
}

/* May a madvise(2) section with @advice be split (THE SPLIT)? */
static bool rcuf_range_madvise_splits(int advice)
{
	return advice == MADV_HUGEPAGE || advice == MADV_NOHUGEPAGE ||
	       rcuf_range_madvise_flags_only(advice);
}

/*
 * Test builds: record the VMAs at the begin of a whole section current's
 * madvise(2) call may split (THE SPLIT), so that the split can check that
 * its first part changed none of them.
 */
static void rcuf_range_audit_madvise_begin(struct rcuf_mm *m, bool clean)
{
	unsigned long lo, hi;

	if (rcuf_test_range_audit() && rcuf_range_may_declare(m, clean) &&
	    rcuf_range_madvise_splits(rcuf_range_madvise_call(&lo, &hi)))
		rcuf_range_audit_begin(m, 0, 0);
}

/**
 * rcuf_range_prepare() - make the slot of the section current begins
 * @m: the state; current has just write-locked its mm
 * @epoch: the odd epoch the section is about to have
 * @clean: the section begins in step
 *
 * The section is whole, unless it comes from a call that may declare: then
 * it is declared here already, before the epoch moves (the write lock is
 * held, so the VMAs its cover is taken from are stable), and no fault
 * ever sees it undeclared; one from an anonymous mmap declares the empty
 * range, and is split at its mmap_region(). The call is told by its
 * token (src/range_token.c), never by registers; the token is spent
 * whether or not the section may declare.
 *
 * Context: the write acquire probe, before the epoch becomes @epoch.
 */
void rcuf_range_prepare(struct rcuf_mm *m, unsigned int epoch, bool clean)
{
	struct rcuf_range_slot *s = rcuf_range_slot(m, epoch);
	unsigned long start, len, prot, lo, hi;
	int class = rcuf_range_token_take(m->mm, &start, &len, &prot);

	rcuf_range_reset(m, epoch);
	if (class == RCUF_RANGE_WHOLE)
		rcuf_range_audit_madvise_begin(m, clean);
	if (class == RCUF_RANGE_WHOLE || !rcuf_range_may_declare(m, clean))
		return;
	if (class == RCUF_RANGE_MMAP) {
		if (!start)	/* vm_mmap_pgoff()'s file: anonymous memory */
			rcuf_range_publish(m, s, class, 0, 0);
	} else if (rcuf_range_of_call(m->mm, class, start, len, prot, &lo, &hi))
		rcuf_range_declare(m, s, class, lo, hi);
}

/**
 * rcuf_range_section_whole() - a write section of @mm that has no state,
 * or no state yet, begins: it stays whole, and spends the call's token
 * @mm: the mm current has just write-locked
 *
 * Context: the write acquire probe.
 */
void rcuf_range_section_whole(struct mm_struct *mm)
{
	unsigned long start, len, prot;

	rcuf_range_token_take(mm, &start, &len, &prot);
}

/*
 * THE SPLIT (see the header): current's section of @m, whose part so far
 * changed nothing (test builds audit that here), goes on as the next
 * epoch's section, which declares [@lo, @hi) (a cover) for @class if
 * @ranged, else stays whole; counted in @splits.
 */
static void rcuf_range_split(struct rcuf_mm *m, int class, bool ranged,
			     unsigned long lo, unsigned long hi,
			     enum rcuf_stat splits)
{
	unsigned int next = raw_read_seqcount(&m->write_seq) + 2;

	rcuf_range_audit_end(m);
	rcuf_range_reset(m, next);
	if (ranged)
		rcuf_range_publish(m, rcuf_range_slot(m, next), class, lo, hi);
	rcuf_stat_inc(splits);
	rcuf_epoch_section_split(m);
}

/* Is current in the first part of its anonymous mmap section of @m? */
static bool rcuf_range_mmap_first_part(struct rcuf_mm *m)
{
	struct rcuf_range_slot *s = rcuf_range_own_slot(m);

	return m->range_class == RCUF_RANGE_MMAP && m->writer == current &&
	       !m->downgraded && (raw_read_seqcount(&m->write_seq) & 1) &&
	       s->ranged && s->lo == s->hi;
}

/**
 * rcuf_range_mmap_region() - mmap_region() is about to run
 * @mm: current->mm
 * @file: mmap_region()'s file (NULL: anonymous memory)
 * @addr: its address
 * @len: its length
 *
 * If current's section is an anonymous mmap's, which declared the empty
 * range at its begin, split it (see the header): the second part declares
 * [addr, addr + len)'s cover (a file's, never expected here: nothing),
 * before it changes anything.
 *
 * Context: the mmap_region() ftrace callback; current holds @mm's
 * mmap_lock for write.
 */
void rcuf_range_mmap_region(struct mm_struct *mm, struct file *file,
			    unsigned long addr, unsigned long len)
{
	unsigned long lo = 0, hi = 0;
	struct rcuf_mm *m;
	bool ranged;

	rcu_read_lock();
	m = rcuf_mm_find(mm);
	rcu_read_unlock();
	if (!m || !rcuf_range_mmap_first_part(m) || rcuf_test_mmap_unsplit())
		return;
	/* a statement of its own: lo and hi are passed after it set them */
	ranged = !file && rcuf_range_of(addr, len, &lo, &hi) &&
		 rcuf_range_widen(mm, RCUF_RANGE_MMAP, &lo, &hi);
	rcuf_range_split(m, RCUF_RANGE_MMAP, ranged, lo, hi,
			 RCUF_STAT_MMAP_SECTION_SPLITS);
}

/* Is current at the first VMA its whole madvise() section of @m visits? */
static bool rcuf_range_madvise_first(struct rcuf_mm *m)
{
	return m->range_class == RCUF_RANGE_WHOLE && m->writer == current &&
	       m->clean && !m->downgraded &&
	       (raw_read_seqcount(&m->write_seq) & 1) &&
	       !rcuf_range_own_slot(m)->ranged;
}

/*
 * current's whole section, which has changed nothing and will be split
 * before it changes anything, declares the empty range after the fact
 * (THE SPLIT): true of it from its begin to the split. A fault that read
 * the slot before saw it whole and fell back; one that reads it now may go
 * on.
 */
static void rcuf_range_unchanged_so_far(struct rcuf_mm *m)
{
	struct rcuf_range_slot *s = rcuf_range_own_slot(m);

	WRITE_ONCE(s->lo, 0);
	WRITE_ONCE(s->hi, 0);
	smp_store_release(&s->ranged, true);	/* see rcuf_range_excludes() */
}

/*
 * current's whole section of @mm, a madvise(2) call's if @call (its range
 * [@lo, @hi)), is about to change the VMA at @at first: split it there
 * if that VMA is the call's first one (see the header), counted in
 * @splits, else leave it whole. Decided once per section: a later call,
 * or one in any other section, does nothing.
 */
static void rcuf_range_madvise_split(struct mm_struct *mm, unsigned long at,
				     bool call, unsigned long lo,
				     unsigned long hi, enum rcuf_stat splits)
{
	bool late = rcuf_test_madvise_split_late();
	struct vm_area_struct *vma;
	struct rcuf_mm *m;

	rcu_read_lock();
	m = rcuf_mm_find(mm);
	rcu_read_unlock();
	if (!m || !rcuf_range_madvise_first(m))
		return;
	/* decided for the section, whatever follows (enable may change) */
	if (!late)	/* test builds: undecided, a bites build */
		m->range_class = RCUF_RANGE_MADVISE;
	if (!READ_ONCE(rcuf_enabled) || !rcuf_range_may_declare(m, true) ||
	    !call)
		return;		/* whole: always safe */
	vma = find_vma(mm, at);
	if (!vma || (vma != find_vma(mm, lo)) != late || vma->vm_start >= hi ||
	    !rcuf_range_widen(mm, RCUF_RANGE_MADVISE, &lo, &hi))
		return;
	/* from here to the split nothing changes: say so at once */
	m->range_class = RCUF_RANGE_MADVISE;
	rcuf_range_unchanged_so_far(m);
	rcuf_range_split(m, RCUF_RANGE_MADVISE, true, lo, hi, splits);
}

/**
 * rcuf_range_madvise() - hugepage_madvise() is about to run
 * @vma: the VMA it was given
 * @advice: its advice, MADV_HUGEPAGE or MADV_NOHUGEPAGE
 *
 * At the first VMA of the whole section of a madvise(2) call by current
 * with @advice, split the section (see the header): the second part
 * declares the call's range's cover, before anything changes.
 *
 * Context: the hugepage_madvise() ftrace callback; current holds
 * @vma->vm_mm's mmap_lock for write.
 */
void rcuf_range_madvise(struct vm_area_struct *vma, int advice)
{
	unsigned long lo = 0, hi = 0;
	bool call;

	if (vma->vm_mm != current->mm)
		return;		/* a kernel thread's (DAMON's): whole */
	/* a statement of its own: lo and hi are passed after it set them */
	call = rcuf_range_madvise_call(&lo, &hi) == advice;
	rcuf_range_madvise_split(vma->vm_mm, vma->vm_start, call, lo, hi,
				 RCUF_STAT_MADVISE_SECTION_SPLITS);
}

/* do_madvise()'s text, where Debian's 6.1 inlines madvise_update_vma() */
static unsigned long rcuf_madvise_text, rcuf_madvise_text_size;

/**
 * rcuf_range_madvise_merge_init() - find do_madvise()'s text
 *
 * Context: process (module init), after rcuf_symbols_resolve().
 * Return: true if vma_merge() may be hooked to split madvise(2)'s flag
 * changes: the three symbols were found, and do_madvise()'s size.
 */
bool rcuf_range_madvise_merge_init(void)
{
	unsigned long start = (unsigned long)rcuf_sym.do_madvise, size, off;

	if (!rcuf_sym.vma_merge || !start ||
	    !rcuf_sym.kallsyms_lookup_size_offset ||
	    !rcuf_sym.kallsyms_lookup_size_offset(start, &size, &off) || off)
		return false;
	rcuf_madvise_text = start;
	rcuf_madvise_text_size = size;
	return true;
}

/**
 * rcuf_range_madvise_merge() - vma_merge() is about to run
 * @mm: the mm it was given
 * @addr: the start of the range it was given
 * @caller: its return address
 *
 * In do_madvise()'s own section of a madvise(2) call by current whose
 * advice only changes flags, at the call's first VMA, split the whole
 * section (see the header). Every other vma_merge() (mprotect's, mlock's,
 * mremap's, userfaultfd_release()'s in a task_work run on madvise(2)'s way
 * out, a later VMA's) does nothing; one called from outside do_madvise()'s
 * text is told by @caller at once.
 *
 * Context: the vma_merge() ftrace callback; current holds @mm's
 * mmap_lock for write.
 */
void rcuf_range_madvise_merge(struct mm_struct *mm, unsigned long addr,
			      unsigned long caller)
{
	unsigned long lo, hi;

	if ((caller - rcuf_madvise_text >= rcuf_madvise_text_size &&
	     !rcuf_test_madvise_any_caller()) || mm != current->mm ||
	    !rcuf_range_madvise_flags_only(rcuf_range_madvise_call(&lo, &hi)))
		return;
	rcuf_range_madvise_split(mm, addr, true, lo, hi,
				 RCUF_STAT_MADVISE_FLAG_SPLITS);
}

/**
 * rcuf_range_section_end() - count the section, audit its range
 * @m: the state; current ends its section (the epoch is still odd)
 * @in_step: current began the section, whose begin was seen
 *
 * Context: the release probe; current holds the mmap_lock.
 */
void rcuf_range_section_end(struct rcuf_mm *m, bool in_step)
{
	static const enum rcuf_stat stat[] = {
		[RCUF_RANGE_WHOLE] = RCUF_STAT_WHOLE_SECTIONS,
		[RCUF_RANGE_MUNMAP] = RCUF_STAT_RANGE_SECTIONS_MUNMAP,
		[RCUF_RANGE_MPROTECT] = RCUF_STAT_RANGE_SECTIONS_MPROTECT,
		[RCUF_RANGE_MMAP] = RCUF_STAT_RANGE_SECTIONS_MMAP,
		[RCUF_RANGE_BRK] = RCUF_STAT_RANGE_SECTIONS_BRK,
		[RCUF_RANGE_MLOCK] = RCUF_STAT_RANGE_SECTIONS_MLOCK,
		[RCUF_RANGE_MADVISE] = RCUF_STAT_RANGE_SECTIONS_MADVISE,
		[RCUF_RANGE_MREMAP] = RCUF_STAT_RANGE_SECTIONS_MREMAP,
	};

	struct rcuf_range_slot *s = rcuf_range_own_slot(m);

	if (in_step) {
		rcuf_stat_inc(stat[s->ranged ? m->range_class : RCUF_RANGE_WHOLE]);
		if (s->ranged)	/* else a madvise section's, never split */
			rcuf_range_audit_end(m);
		if (s->ranged && s->lo < s->hi)
			rcuf_shadow_section_refresh(m, s->lo, s->hi);
	} else {	/* the slot may hold an earlier section's range */
		rcuf_range_reset(m, raw_read_seqcount(&m->write_seq) | 1);
	}
	rcuf_range_audit_drop(m);
}
