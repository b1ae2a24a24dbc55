/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: device plumbing shared by the driver, management and
 * ops files.
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

#define SVQ_DRV_NAME	"vhost_vdpa_svq"

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

extern const char * const svq_mode_names[];
int svq_mode_parse(const char *buf, enum svq_mode *mode);

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
 * @relay_work: relays what a pass left over (budget, or blocked)
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
 */
struct svq_as {
	struct svq_dev *svq;
	struct svq_maps maps;
	bool has_map;
	struct vhost_iotlb shadow;
};

/**
 * struct svq_lower - a claimed lower vDPA device and its management device
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
struct svq_lower {
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
 * @ops: this device's ops table: the template minus the optional ops the
 *	 lower device lacks, so that vhost-vdpa offers the same features
 * @lower: the lower device, NULL once it is gone; read under svq_srcu
 * @lower_name: the lower device's name, kept for sysfs after removal
 * @owner: the claim record of the lower device
 * @mode: configured relay mode
 * @device_features: features offered to the driver
 * @nvqs: number of virtqueues
 * @vqs: per virtqueue state
 * @stats: counters
 * @needs_reset: a virtqueue broke (hostile guest): reported in the status
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
 * @map_lock: serializes changes of the lower device's mappings
 * @as: the address spaces
 * @nas: their number
 * @group_asid: address space of each virtqueue group
 * @range: the IOVA range the upper device reports
 * @has_window: a shadow ring window exists
 * @window_first: first IOVA of the window
 * @window_last: last IOVA of the window
 * @iovad: allocator of shadow ring IOVAs in the window
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
	struct vdpa_config_ops ops;
	struct vdpa_device __rcu *lower;
	char lower_name[32];
	struct svq_lower *owner;
	enum svq_mode mode;
	u64 device_features;
	u16 nvqs;
	struct svq_vq *vqs;
	struct svq_stats stats;
	bool needs_reset;
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
	bool identity_ok;

	struct mutex switch_lock;	/* serializes logging changes and switches */
	bool logging;
	struct mutex log_lock;	/* serializes pinning and installing the log */
	struct svq_dirty_log *log;
	bool log_failed;
	struct work_struct log_grow_work;
};

extern struct srcu_struct svq_srcu;
extern enum svq_mode svq_default_mode;
/* test fault switch: relay without marking the dirty log (debugfs) */
extern bool svq_fault_skip_log;

static inline struct svq_dev *vdpa_to_svq(struct vdpa_device *vdpa)
{
	return container_of(vdpa, struct svq_dev, vdpa);
}

const struct vdpa_config_ops *svq_ops_template_get(void);
int svq_ops_init(struct svq_dev *svq, struct vdpa_device *lower);
u64 svq_features_offered(struct vdpa_device *lower);
void svq_detach_lower(struct svq_dev *svq);

int svq_iotlb_init(struct svq_dev *svq, struct vdpa_device *lower);
void svq_iotlb_destroy(struct svq_dev *svq);
unsigned long svq_iotlb_write_lock(struct svq_dev *svq)
	__acquires(&svq->iotlb_lock);
void svq_iotlb_write_unlock(struct svq_dev *svq, unsigned long flags)
	__releases(&svq->iotlb_lock);
int svq_set_map(struct vdpa_device *vdev, unsigned int asid, struct vhost_iotlb *iotlb);
int svq_dma_map(struct vdpa_device *vdev, unsigned int asid, u64 iova, u64 size, u64 pa,
		u32 perm, void *opaque);
int svq_dma_unmap(struct vdpa_device *vdev, unsigned int asid, u64 iova, u64 size);
int svq_reset_map(struct vdpa_device *vdev, unsigned int asid);
struct vdpa_iova_range svq_get_iova_range(struct vdpa_device *vdev);
void svq_iotlb_forget(struct svq_dev *svq, unsigned int asid);
int svq_iotlb_map_shadow(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
			 phys_addr_t pa, size_t size, size_t ro_size, u64 *iova);
void svq_iotlb_unmap_shadow(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
			    u64 iova, size_t size, size_t ro_size);
void svq_iotlb_guest_mem(struct svq_dev *svq, unsigned int asid, u32 tlb_entries,
			 struct svq_guest_ctx *ctx, struct svq_guest_mem *mem);
void svq_iotlb_guest_mem_free(struct svq_guest_ctx *ctx);
void svq_iotlb_set_identity_ok(struct svq_dev *svq, bool identity_ok);
bool svq_iotlb_writable_last(struct svq_dev *svq, unsigned int asid, u64 *last);

struct vdpa_device *svq_lower_lock(struct vdpa_device *vdev, int *srcu_idx)
	__acquires(&svq_srcu);
void svq_lower_unlock(int srcu_idx)
	__releases(&svq_srcu);

int svq_vq_set_address(struct vdpa_device *vdev, u16 idx, u64 desc_area,
		       u64 driver_area, u64 device_area);
void svq_vq_set_num(struct vdpa_device *vdev, u16 idx, u32 num);
void svq_vq_kick(struct vdpa_device *vdev, u16 idx);
void svq_vq_set_cb(struct vdpa_device *vdev, u16 idx, struct vdpa_callback *cb);
void svq_vq_set_ready(struct vdpa_device *vdev, u16 idx, bool ready);
int svq_vq_set_state(struct vdpa_device *vdev, u16 idx, const struct vdpa_vq_state *state);
int svq_vq_get_state(struct vdpa_device *vdev, u16 idx, struct vdpa_vq_state *state);
void svq_vq_init(struct svq_dev *svq, struct svq_vq *vq, u16 idx);
bool svq_get_vq_ready(struct vdpa_device *vdev, u16 idx);
int svq_get_vendor_vq_stats(struct vdpa_device *vdev, u16 idx, struct sk_buff *msg,
			    struct netlink_ext_ack *extack);
u16 svq_get_vq_size(struct vdpa_device *vdev, u16 idx);
u32 svq_get_vq_group(struct vdpa_device *vdev, u16 idx);
u32 svq_get_vq_desc_group(struct vdpa_device *vdev, u16 idx);
int svq_set_vq_affinity(struct vdpa_device *vdev, u16 idx,
			const struct cpumask *cpu_mask);
const struct cpumask *svq_get_vq_affinity(struct vdpa_device *vdev, u16 idx);
struct device *svq_get_vq_dma_dev(struct vdpa_device *vdev, u16 idx);
int svq_vq_can_shadow(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq);
int svq_vq_shadow_start(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq);
void svq_vq_shadow_stop(struct svq_dev *svq, struct vdpa_device *lower, struct svq_vq *vq);
void svq_vq_relay_now(struct svq_vq *vq, struct vdpa_device *lower);

/* What a relay pass looks at: the shadow used ring, the guest's avail ring. */
#define SVQ_RELAY_USED		BIT(0)
#define SVQ_RELAY_AVAIL		BIT(1)
#define SVQ_RELAY_BOTH		(SVQ_RELAY_USED | SVQ_RELAY_AVAIL)

void svq_vq_relay_init(struct svq_vq *vq);
void svq_vq_relay_dirs(struct svq_vq *vq, struct vdpa_device *lower, unsigned int dirs);
void svq_vq_fail(struct svq_vq *vq);

int svq_set_log_base(struct vdpa_device *vdev, u64 uaddr);
int svq_set_log(struct vdpa_device *vdev, bool enable);
void svq_log_grow(struct svq_dev *svq);
int svq_log_cover(struct svq_dev *svq);
bool svq_log_covers_mappings(struct svq_dev *svq);
void svq_log_stop(struct svq_dev *svq);
void svq_log_init(struct svq_dev *svq);
void svq_log_destroy(struct svq_dev *svq);
size_t svq_log_pinned_bytes(struct svq_dev *svq);
void svq_vq_stop_all(struct svq_dev *svq, struct vdpa_device *lower);

void svq_mgmt_init(struct svq_lower *sl);
void svq_upper_lower_gone(struct svq_lower *sl, bool deleting);
extern struct device *svq_root_dev;

extern const struct attribute_group *svq_dev_groups[];

#endif /* _SVQ_DEV_H */
