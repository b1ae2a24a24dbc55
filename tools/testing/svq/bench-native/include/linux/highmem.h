/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: "physical" addresses are this process's addresses and
 * every page is mapped, as lowmem is in a 64-bit kernel (kmap_local_page()
 * is page_address()). A struct page stands for the page itself, so that
 * page + n is the n-th next page, as in the kernel's memory map.
 */
#ifndef SVQ_SHIM_LINUX_HIGHMEM_H
#define SVQ_SHIM_LINUX_HIGHMEM_H
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
struct page { unsigned char bytes[PAGE_SIZE]; };
#define pfn_to_page(pfn) ((struct page *)((unsigned long)(pfn) << PAGE_SHIFT))
#define page_address(page) ((void *)(page))
#define kmap_local_page(page) page_address(page)
#define kunmap_local(addr) ((void)(addr))
#endif
