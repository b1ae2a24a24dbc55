/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tracepoints of vhost_vdpa_svq (Documentation/driver-api/vdpa-svq.rst).
 *
 * Include drivers/vdpa/svq/svq_compat.h first: svq_assign_str() is the
 * running kernel's __assign_str().
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vhost_vdpa_svq

#if !defined(_TRACE_VHOST_VDPA_SVQ_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_VHOST_VDPA_SVQ_H

#include <linux/tracepoint.h>

TRACE_EVENT(svq_switch,
	    TP_PROTO(const char *dev, bool to_shadow, u64 pause_ns, int ret),

	    TP_ARGS(dev, to_shadow, pause_ns, ret),

	    TP_STRUCT__entry(__string(dev, dev)
			     __field(bool, to_shadow)
			     __field(u64, pause_ns)
			     __field(int, ret)),

	    TP_fast_assign(svq_assign_str(dev, dev);
			   __entry->to_shadow = to_shadow;
			   __entry->pause_ns = pause_ns;
			   __entry->ret = ret;),

	    TP_printk("%s: to %s, device paused %llu ns, ret %d", __get_str(dev),
		      __entry->to_shadow ? "shadow" : "passthrough", __entry->pause_ns,
		      __entry->ret)
);

TRACE_EVENT(svq_log_base,
	    TP_PROTO(const char *dev, u64 uaddr, u64 nbits, int ret),

	    TP_ARGS(dev, uaddr, nbits, ret),

	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u64, uaddr)
			     __field(u64, nbits)
			     __field(int, ret)),

	    TP_fast_assign(svq_assign_str(dev, dev);
			   __entry->uaddr = uaddr;
			   __entry->nbits = nbits;
			   __entry->ret = ret;),

	    TP_printk("%s: log at 0x%llx covers %llu pages, ret %d", __get_str(dev),
		      __entry->uaddr, __entry->nbits, __entry->ret)
);

TRACE_EVENT(svq_relay,
	    TP_PROTO(const char *dev, u16 vq, unsigned int avail_chains,
		     unsigned int used_chains, unsigned long pages_logged),

	    TP_ARGS(dev, vq, avail_chains, used_chains, pages_logged),

	    TP_STRUCT__entry(__string(dev, dev)
			     __field(u16, vq)
			     __field(unsigned int, avail_chains)
			     __field(unsigned int, used_chains)
			     __field(unsigned long, pages_logged)),

	    TP_fast_assign(svq_assign_str(dev, dev);
			   __entry->vq = vq;
			   __entry->avail_chains = avail_chains;
			   __entry->used_chains = used_chains;
			   __entry->pages_logged = pages_logged;),

	    TP_printk("%s: vq %u: %u chains to the device, %u back, %lu pages logged",
		      __get_str(dev), __entry->vq, __entry->avail_chains,
		      __entry->used_chains, __entry->pages_logged)
);

#endif /* _TRACE_VHOST_VDPA_SVQ_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
