/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: the types shared by the driver's files, and its locking.
 *
 * Files, from the bottom up; each calls only the ones below it, and
 * declares what it offers in its own header:
 *
 *   svq_ring.c, svq_log.c  the relay core: rings and the dirty bitmap, no
 *			    device plumbing (also built in userspace)
 *   svq_lower.c	    the lower device: every call into its parent
 *   svq_iotlb.c	    the copy of the driver's mappings, forwarded
 *   svq_window.c	    the IOVA window of the shadow rings
 *   svq_guest.c	    the relay's access to guest memory
 *   svq_dirty.c	    the VMM's dirty log: pinning, sizing
 *   svq_relay.c	    relay passes of a shadowed virtqueue
 *   svq_vq.c		    a virtqueue's life cycle: passthrough, shadow,
 *			    the live switch
 *   svq_ops.c, svq_sysfs.c the upper device's vdpa_config_ops and sysfs
 *   svq_mgmt.c		    management devices: vdpa dev add and del
 *   svq_main.c		    the vdpa driver of lower devices, the module
 *
 * Lock order, outermost first:
 *
 *   vdpa_dev_lock (vdpa core, around dev_add/dev_del)
 *     svq_claim.lock
 *       device_lock of the upper device
 *         svq_dev.switch_lock
 *           svq_dev.log_lock
 *             mmap_lock of the VMM (pinning the log)
 *           svq_dev.map_lock
 *             svq_dev.iotlb_lock (writers: svq_iotlb_write_lock(), which
 *             then takes every svq_vq.ring_lock)
 *   svq_vq.cb_lock
 *     svq_vq.ring_lock
 *   svq_dev.config_cb_lock: innermost, alone.
 *
 * svq_srcu (svq_lower_lock()) is a read side around a call into the lower
 * device; it nests in any of them and waits for none.
 *
 * A relay pass holds one svq_vq.ring_lock and nothing else: whatever it
 * reads besides the ring (the mappings, the log, the driver's callback) is
 * written under that lock too.
 */
#ifndef _SVQ_DEV_H
#define _SVQ_DEV_H

#include <linux/atomic.h>
#include <linux/iova.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rwlock.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/workqueue.h>

#include "svq_ring.h"

struct iommu_domain;

#define SVQ_DRV_NAME	"vhost_vdpa_svq"
/* A virtqueue size the relay takes: a power of two up to this. */
#define SVQ_MAX_VQ_NUM	32768

/**
 * enum svq_mode - how an upper device relays its virtqueues
 * @SVQ_MODE_AUTO: passthrough, shadow while dirty logging is on
 * @SVQ_MODE_SHADOW: shadow virtqueues from device start
 * @SVQ_MODE_PASSTHROUGH: never shadow (migration impossible)
 */
enum svq_mode {
	SVQ_MODE_AUTO,
	SVQ_MODE_SHADOW,
	SVQ_MODE_PASSTHROUGH,
};

/**
 * struct svq_pcpu_stats - the counters of the fast path, per CPU
 * @kicks: guest kicks forwarded or relayed
 * @interrupts: device interrupts forwarded or relayed to the driver
 * @relayed_descs: descriptors moved through the shadow rings
 * @pages_logged: bits set in the dirty log
 *
 * Per CPU so that counting costs the relay no atomic operation: summed
 * when sysfs shows them.
 */
struct svq_pcpu_stats {
	unsigned long kicks;
	unsigned long interrupts;
	unsigned long relayed_descs;
	unsigned long pages_logged;
};

/**
 * struct svq_stats - per upper device counters, shown in sysfs
 * @pcpu: the fast path's counters
 * @errors: guest ring violations and failed lower-device calls
 * @switches: passthrough <-> shadow switches of a running device
 * @last_switch_ns: how long the lower device was paused by the last one
 */
struct svq_stats {
	struct svq_pcpu_stats __percpu *pcpu;
	atomic64_t errors;
	atomic64_t switches;
	atomic64_t last_switch_ns;
};

/**
 * struct svq_dirty_log - the VMM's dirty bitmap, pinned and mapped
 * @mm: the mm it lives in (the vhost owner's; grabbed)
 * @uaddr: its user address
 * @pages: the pinned pages
 * @npinned: how many (charged to @mm's pinned_vm)
 * @lock_limit: the owner's RLIMIT_MEMLOCK, in pages, when it set the log
 * @vaddr: their kernel mapping
 * @bitmap: what the relay marks
 */
struct svq_dirty_log {
	struct mm_struct *mm;
	u64 uaddr;
	struct page **pages;
	unsigned long npinned;
	unsigned long lock_limit;
	void *vaddr;
	struct svq_log_bitmap bitmap;
};

struct svq_dev;
struct svq_as;

/**
 * struct svq_tlb_entry - a translated page of guest IOVA
 * @iova: the page's IOVA, ORed with 1 while the entry is valid
 * @pa: the physical page it maps to, ORed with the mapping's VHOST_MAP_*
 *	permissions
 */
struct svq_tlb_entry {
	u64 iova;
	u64 pa;
};

/**
 * struct svq_guest_ctx - a virtqueue's context of guest memory accesses
 * @as: the address space
 * @tlb: translation cache, direct-mapped by IOVA page, or NULL
 * @tlb_mask: its number of entries minus one
 * @gen: the IOTLB generation @tlb holds translations of
 */
struct svq_guest_ctx {
	struct svq_as *as;
	struct svq_tlb_entry *tlb;
	unsigned int tlb_mask;
	unsigned int gen;
};

/**
 * struct svq_vq - per virtqueue state of an upper device
 * @svq: the upper device
 * @idx: virtqueue index
 * @cb_lock: protects @cb against set_vq_cb() racing with the callback;
 *	     @cb is written under @ring_lock too, so that a relay pass,
 *	     which holds @ring_lock, reads it without taking @cb_lock
 * @cb: the upper driver's callback (vhost-vdpa or virtio_vdpa)
 * @guest_desc: descriptor area the driver set (set_vq_address)
 * @guest_driver: driver area the driver set
 * @guest_device: device area the driver set
 * @num: ring size the driver set
 * @guest_avail_idx: available index the driver set (set_vq_state), or
 *		     where a stopped shadow virtqueue stopped
 * @state_saved: @guest_avail_idx is the state to report (the lower device
 *		 was reset under a shadowed virtqueue)
 * @ring_lock: serializes the relay in both directions; writers of what
 *	       a relay pass reads besides the ring take every virtqueue's
 *	       (svq_iotlb_write_lock())
 * @shadow: the virtqueue runs through @ring
 * @avail_blocked: the last pass left available chains for want of room
 * @ring_mapped: svq_ring_map_guest() was called for @ring's addresses,
 *		 with the mappings of IOTLB generation @ring_map_gen
 * @ring_map_gen: see @ring_mapped
 * @ring: the relay state
 * @shadow_mem: kernel memory of the shadow ring
 * @shadow_size: its size, page aligned
 * @shadow_iova: where the lower device sees it
 * @heads: per shadow head, the guest chain in flight
 * @asid: address space of the virtqueue
 * @mem: guest memory of @asid
 * @gctx: the context of @mem
 * @log_wait: a completion waits for the dirty log to cover it: the relay
 *	      work pins a larger log first
 * @relay_work: relays what a pass left over (budget, or blocked), and
 *		what waited for the log
 */
struct svq_vq {
	struct svq_dev *svq;
	u16 idx;
	spinlock_t cb_lock;	/* protects cb */
	struct vdpa_callback cb;

	u64 guest_desc;
	u64 guest_driver;
	u64 guest_device;
	u32 num;
	u16 guest_avail_idx;
	bool state_saved;

	spinlock_t ring_lock;	/* serializes the relay */
	bool shadow;
	bool avail_blocked;
	bool ring_mapped;
	unsigned int ring_map_gen;
	struct svq_ring ring;
	void *shadow_mem;
	size_t shadow_size;
	u64 shadow_iova;
	struct svq_head *heads;
	unsigned int asid;
	struct svq_guest_mem mem;
	struct svq_guest_ctx gctx;
	bool log_wait;
	struct work_struct relay_work;
};

/**
 * struct svq_maps - the driver's mappings of an address space, as the relay
 *		     checks them
 * @guest: a copy of the driver's mappings
 * @readable: the IOVA ranges @guest maps for the device to read, merged
 *	      into maximal runs, so that validating a buffer costs one
 *	      look-up, however many mappings it spans
 * @writable: the same for the device to write
 */
struct svq_maps {
	struct vhost_iotlb *guest;
	struct vhost_iotlb *readable;
	struct vhost_iotlb *writable;
};

/**
 * struct svq_as - an address space of an upper device
 * @svq: the upper device
 * @maps: the driver's mappings (replaced whole by set_map)
 * @has_map: the driver mapped this address space; if not, identity
 * @shadow: the shadow rings' mappings (set_map lower devices only)
 * @shadow_dirty: @shadow changed since the lower device was given it
 */
struct svq_as {
	struct svq_dev *svq;
	struct svq_maps maps;
	bool has_map;
	struct vhost_iotlb shadow;
	bool shadow_dirty;
};

/**
 * struct svq_claim - a claimed lower vDPA device and its management device
 * @vdev: the lower device, NULL once removed
 * @name: the lower device's name
 * @mgmt_dev: stands for the lower device in the vdpa core's management
 *	      device list ("vdpa/<name>"): never registered, it only carries
 *	      the bus and device names, so that it outlives @vdev safely
 * @id_table: the device class of the lower device
 * @mgmt: the "vdpa/<lower>" management device
 * @mgmt_registered: @mgmt is on the vdpa core's list
 * @register_work: registers @mgmt outside the probe path
 * @unregister_work: unregisters @mgmt (and so the upper) after removal
 * @lock: protects @upper and @removed, and serializes the quiescing of
 *	  @upper (whoever takes it next finds the lower device unused)
 * @upper: the upper device stacked on this one, if any
 * @removed: the lower device has been unbound; nothing may use it
 * @node: entry in the module's list of claimed devices
 */
struct svq_claim {
	struct vdpa_device *vdev;
	char name[32];
	struct device mgmt_dev;
	struct virtio_device_id id_table[2];
	struct vdpa_mgmt_dev mgmt;
	bool mgmt_registered;
	struct work_struct register_work;
	struct work_struct unregister_work;
	struct mutex lock;	/* protects upper and removed */
	struct svq_dev *upper;
	bool removed;
	struct list_head node;
};

/**
 * struct svq_dev - an upper vDPA device
 * @vdpa: the vDPA device registered on the bus (must be first)
 * @lower: the lower device, NULL once it is gone; read under svq_srcu
 * @lower_name: the lower device's name, kept for sysfs after removal
 * @owner: the claim record of the lower device
 * @mode: configured relay mode
 * @device_features: features offered to the driver
 * @nvqs: number of virtqueues
 * @vqs: per virtqueue state
 * @stats: counters
 * @needs_reset: a virtqueue broke (hostile guest): reported in the status
 * @failed_vq: the virtqueue that broke first, for the kernel log
 * @quiesced: the lower device is detached and no driver can bind; under
 *	      the owner's lock
 * @config_cb_lock: protects @config_cb
 * @config_cb: the driver's config change callback
 * @config_work: calls @config_cb once the device needs a reset
 * @iotlb_lock: protects what a relay pass reads, against changes: the @as
 *		copies, @iotlb_gen, @identity_ok and @log; writers take every
 *		virtqueue's ring lock as well (svq_iotlb_write_lock()), so
 *		that a relay pass needs only its own
 * @iotlb_gen: bumped on every change of the @as copies or @identity_ok,
 *	       under svq_iotlb_write_lock()
 * @map_lock: serializes changes of the lower device's mappings, and
 *	      protects @domain, @domain_dev and @domain_maps
 * @as: the address spaces
 * @nas: their number
 * @group_asid: address space of each virtqueue group
 * @range: the IOVA range the upper device reports
 * @has_window: a shadow ring window exists
 * @window_first: first IOVA of the window
 * @window_last: last IOVA of the window
 * @iovad: allocator of shadow ring IOVAs in the window
 * @domain: the IOMMU domain the driver's mappings and the shadow rings
 *	    are mapped into, for a lower device that relies on the platform
 *	    IOMMU (svq_lower.c); NULL while nothing is mapped
 * @domain_dev: the DMA device @domain is attached to, held
 * @domain_maps: what is mapped in @domain: only that is unmapped (an
 *		 IOMMU driver may warn about unmapping what is not mapped)
 * @identity_ok: an address space the driver never mapped is identity
 *		 (virtio_vdpa); otherwise unmapped addresses fault
 * @switch_lock: serializes logging changes and mode switches
 * @logging: VHOST_F_LOG_ALL is on
 * @log_lock: serializes pinning and installing @log (after @switch_lock)
 * @log: the dirty log, or NULL
 * @log_failed: the log could not be made to cover the writable mappings
 * @log_grow_work: pins more of the log after the driver mapped more
 */
struct svq_dev {
	struct vdpa_device vdpa;
	struct vdpa_device __rcu *lower;
	char lower_name[32];
	struct svq_claim *owner;
	enum svq_mode mode;
	u64 device_features;
	u16 nvqs;
	struct svq_vq *vqs;
	struct svq_stats stats;
	bool needs_reset;
	u16 failed_vq;
	bool quiesced;
	spinlock_t config_cb_lock;	/* protects config_cb */
	struct vdpa_callback config_cb;
	struct work_struct config_work;

	rwlock_t iotlb_lock;
	unsigned int iotlb_gen;
	struct mutex map_lock;	/* serializes lower device map changes */
	struct svq_as *as;
	unsigned int nas;
	u32 *group_asid;
	struct vdpa_iova_range range;
	bool has_window;
	u64 window_first;
	u64 window_last;
	struct iova_domain iovad;
	struct iommu_domain *domain;
	struct device *domain_dev;
	struct vhost_iotlb *domain_maps;
	bool identity_ok;

	struct mutex switch_lock;	/* serializes logging changes and switches */
	bool logging;
	struct mutex log_lock;	/* serializes pinning and installing the log */
	struct svq_dirty_log *log;
	bool log_failed;
	struct work_struct log_grow_work;
};

static inline struct svq_dev *vdpa_to_svq(struct vdpa_device *vdpa)
{
	return container_of(vdpa, struct svq_dev, vdpa);
}

#endif /* _SVQ_DEV_H */
