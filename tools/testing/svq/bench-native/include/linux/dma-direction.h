/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim */
#ifndef SVQ_SHIM_LINUX_DMA_DIRECTION_H
#define SVQ_SHIM_LINUX_DMA_DIRECTION_H
enum dma_data_direction { DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_NONE };
#endif
