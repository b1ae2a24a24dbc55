// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of vhost_vdpa_svq's relay core: module glue. The suites are
 * in svq_log_test.c and svq_ring_test.c.
 */

#include <linux/module.h>

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the vDPA shadow virtqueue");
