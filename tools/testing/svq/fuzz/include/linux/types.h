/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the kernel types the relay core uses. */
#ifndef SVQ_SHIM_LINUX_TYPES_H
#define SVQ_SHIM_LINUX_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
#define __bitwise
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef uint64_t __le64;
#define U64_MAX UINT64_MAX
#endif
