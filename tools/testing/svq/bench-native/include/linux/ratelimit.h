/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: every message is printed (none is expected). */
#ifndef SVQ_SHIM_LINUX_RATELIMIT_H
#define SVQ_SHIM_LINUX_RATELIMIT_H
struct ratelimit_state { int unused; };
#define DEFAULT_RATELIMIT_INTERVAL 0
#define DEFAULT_RATELIMIT_BURST 0
#define DEFINE_RATELIMIT_STATE(name, interval, burst) struct ratelimit_state name = { 0 }
#define __ratelimit(rs) ((void)(rs), 1)
#endif
