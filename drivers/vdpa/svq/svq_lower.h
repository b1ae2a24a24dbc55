/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost_vdpa_svq: the lower device, the one file that talks to the parent
 * (svq_lower.c). Nothing else dereferences a lower device's config ops.
 */
#ifndef _SVQ_LOWER_H
#define _SVQ_LOWER_H

#include "svq_dev.h"

/* What the upper device's ops table offers, from what the lower device has. */
#define SVQ_CAP_DMA_MAP		BIT(0)	/* dma_map/dma_unmap, else set_map */
#define SVQ_CAP_SUSPEND		BIT(1)	/* suspend and resume (suspend before 6.3) */
#define SVQ_CAP_RESET_MAP	BIT(2)
#define SVQ_CAP_DESC_GROUP	BIT(3)	/* get_vq_desc_group */
#define SVQ_CAP_COMBINATIONS	16

extern struct srcu_struct svq_srcu;
/* test-only (CONFIG_VHOST_VDPA_SVQ_FAULT_INJECT): act as if no resume */
extern bool svq_lower_fault_no_resume;

struct vdpa_device *svq_lower_lock(struct svq_dev *svq, int *srcu_idx)
	__acquires(&svq_srcu);
void svq_lower_unlock(int srcu_idx)
	__releases(&svq_srcu);
void svq_lower_attach(struct svq_dev *svq, struct vdpa_device *lower);
void svq_lower_detach(struct svq_dev *svq);

/* Probe and creation time: what the lower device is and can do. */
const char *svq_lower_unsupported(struct vdpa_device *lower);
unsigned int svq_lower_caps(struct vdpa_device *lower);
u32 svq_lower_device_id(struct vdpa_device *lower);
u64 svq_lower_device_features(struct vdpa_device *lower);
struct vdpa_iova_range svq_lower_iova_range(struct vdpa_device *lower);
void svq_lower_read_config(struct vdpa_device *lower, unsigned int offset, void *buf,
			   unsigned int len);
int svq_lower_mgmt_set_mac(struct vdpa_device *lower, const u8 *mac);

/* Calls on a lower device the caller holds (svq_lower_lock()). */
u8 svq_lower_get_status(struct vdpa_device *lower);
void svq_lower_set_status(struct vdpa_device *lower, u8 status);
int svq_lower_reset(struct vdpa_device *lower, u32 flags);
int svq_lower_reset_clean(struct vdpa_device *lower);
void svq_lower_reset_quiesced(struct vdpa_device *lower);
int svq_lower_set_driver_features(struct vdpa_device *lower, u64 features);
u64 svq_lower_get_driver_features(struct vdpa_device *lower);
bool svq_lower_can_suspend(struct vdpa_device *lower);
bool svq_lower_can_resume(struct vdpa_device *lower);
int svq_lower_suspend(struct vdpa_device *lower);
int svq_lower_resume(struct vdpa_device *lower);
u32 svq_lower_vq_group(struct vdpa_device *lower, u16 idx);
int svq_lower_set_vq_address(struct vdpa_device *lower, u16 idx, u64 desc, u64 driver,
			     u64 device);
void svq_lower_set_vq_num(struct vdpa_device *lower, u16 idx, u32 num);
int svq_lower_set_vq_state(struct vdpa_device *lower, u16 idx, const struct vdpa_vq_state *state);
int svq_lower_get_vq_state(struct vdpa_device *lower, u16 idx, struct vdpa_vq_state *state);
void svq_lower_set_vq_ready(struct vdpa_device *lower, u16 idx, bool ready);
bool svq_lower_get_vq_ready(struct vdpa_device *lower, u16 idx);
void svq_lower_set_vq_cb(struct vdpa_device *lower, u16 idx, struct vdpa_callback *cb);
void svq_lower_set_config_cb(struct vdpa_device *lower, struct vdpa_callback *cb);
void svq_lower_kick_vq(struct vdpa_device *lower, u16 idx);
int svq_lower_set_group_asid(struct vdpa_device *lower, unsigned int group, unsigned int asid);
bool svq_lower_has_dma_map(struct vdpa_device *lower);
int svq_lower_set_map(struct vdpa_device *lower, unsigned int asid, struct vhost_iotlb *iotlb);
int svq_lower_dma_map(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
		      u64 iova, u64 size, u64 pa, u32 perm, void *opaque);
int svq_lower_dma_unmap(struct svq_dev *svq, struct vdpa_device *lower, unsigned int asid,
			u64 iova, u64 size);
void svq_lower_domain_release(struct svq_dev *svq);
int svq_lower_reset_map(struct vdpa_device *lower, unsigned int asid);

/* vdpa_config_ops that only forward to the lower device (those of ops newer
 * than the running kernel are not built: svq_compat.h).
 */
u32 svq_fwd_get_vq_align(struct vdpa_device *vdev);
u64 svq_fwd_get_backend_features(const struct vdpa_device *vdev);
int svq_fwd_set_driver_features(struct vdpa_device *vdev, u64 features);
u64 svq_fwd_get_driver_features(struct vdpa_device *vdev);
u16 svq_fwd_get_vq_num_max(struct vdpa_device *vdev);
u16 svq_fwd_get_vq_num_min(struct vdpa_device *vdev);
u32 svq_fwd_get_device_id(struct vdpa_device *vdev);
u32 svq_fwd_get_vendor_id(struct vdpa_device *vdev);
int svq_fwd_suspend(struct vdpa_device *vdev);
int svq_fwd_resume(struct vdpa_device *vdev);
size_t svq_fwd_get_config_size(struct vdpa_device *vdev);
void svq_fwd_get_config(struct vdpa_device *vdev, unsigned int offset, void *buf,
			unsigned int len);
void svq_fwd_set_config(struct vdpa_device *vdev, unsigned int offset, const void *buf,
			unsigned int len);
u32 svq_fwd_get_generation(struct vdpa_device *vdev);
bool svq_fwd_get_vq_ready(struct vdpa_device *vdev, u16 idx);
int svq_fwd_get_vendor_vq_stats(struct vdpa_device *vdev, u16 idx, struct sk_buff *msg,
				struct netlink_ext_ack *extack);
u16 svq_fwd_get_vq_size(struct vdpa_device *vdev, u16 idx);
u32 svq_fwd_get_vq_group(struct vdpa_device *vdev, u16 idx);
u32 svq_fwd_get_vq_desc_group(struct vdpa_device *vdev, u16 idx);
int svq_fwd_set_vq_affinity(struct vdpa_device *vdev, u16 idx, const struct cpumask *cpu_mask);
const struct cpumask *svq_fwd_get_vq_affinity(struct vdpa_device *vdev, u16 idx);
struct device *svq_fwd_get_vq_dma_dev(struct vdpa_device *vdev, u16 idx);

#endif /* _SVQ_LOWER_H */
