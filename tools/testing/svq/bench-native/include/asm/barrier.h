/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the barriers of the kernel on x86-64
 * (arch/x86/include/asm/barrier.h: smp_mb() is a locked add to the stack,
 * read and write barriers between CPUs only stop the compiler), shared by
 * the relay core and vringh.c. Other architectures: C11 fences.
 */
#ifndef SVQ_SHIM_ASM_BARRIER_H
#define SVQ_SHIM_ASM_BARRIER_H
#define barrier() __asm__ __volatile__("" : : : "memory")
#if defined(__x86_64__)
#define mb()	__asm__ __volatile__("mfence" : : : "memory")
#define rmb()	__asm__ __volatile__("lfence" : : : "memory")
#define wmb()	__asm__ __volatile__("sfence" : : : "memory")
#define virt_mb() __asm__ __volatile__("lock; addl $0,-4(%%rsp)" : : : "memory", "cc")
#define virt_rmb() barrier()
#define virt_wmb() barrier()
#define dma_rmb() barrier()
#define dma_wmb() barrier()
#else
#define mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define wmb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define virt_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define virt_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define virt_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define dma_rmb() virt_rmb()
#define dma_wmb() virt_wmb()
#endif
#define smp_mb() virt_mb()
#define smp_rmb() virt_rmb()
#define smp_wmb() virt_wmb()
#endif
