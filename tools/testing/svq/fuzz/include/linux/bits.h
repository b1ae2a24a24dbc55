/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim */
#define BIT_ULL(nr) (1ULL << (nr))
