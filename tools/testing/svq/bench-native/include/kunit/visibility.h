/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim */
#define VISIBLE_IF_KUNIT
#define EXPORT_SYMBOL_IF_KUNIT(sym)
