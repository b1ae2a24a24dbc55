/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: barriers as C11 fences. */
#ifndef SVQ_SHIM_ASM_BARRIER_H
#define SVQ_SHIM_ASM_BARRIER_H
#define virt_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define virt_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define virt_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define dma_rmb() virt_rmb()
#define dma_wmb() virt_wmb()
#endif
