// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the dirty log marking of the vDPA shadow virtqueue.
 *
 * The expected bits are derived independently of svq_log_mark(): from the
 * layout vhost and QEMU use (bit N is bit N % BITS_PER_LONG of the native
 * unsigned long N / BITS_PER_LONG).
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/module.h>
#include <linux/string.h>

#include "svq_log.h"

#define LOG_WORDS	4
#define LOG_PAGES	(LOG_WORDS * 64)
#define GUARD		(LOG_PAGES / BITS_PER_LONG)
#define PAGE_4K		SVQ_LOG_PAGE_SIZE

struct svq_log_test_ctx {
	unsigned long words[GUARD + 1];	/* a guard word past the log */
	struct svq_log_bitmap log;
};

static int svq_log_test_init(struct kunit *test)
{
	struct svq_log_test_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->log.bits = (unsigned long *)ctx->words;
	ctx->log.nbits = LOG_PAGES;
	test->priv = ctx;
	return 0;
}

/* Is page @page marked, read the way QEMU reads the log? */
static bool page_marked(struct svq_log_test_ctx *ctx, u64 page)
{
	return ctx->words[page / BITS_PER_LONG] & (1UL << (page % BITS_PER_LONG));
}

static unsigned int pages_marked(struct svq_log_test_ctx *ctx)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(ctx->words); i++)
		n += hweight_long(ctx->words[i]);
	return n;
}

static void svq_log_test_single_byte(struct kunit *test)
{
	struct svq_log_test_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, 9 * PAGE_4K + 17, 1), 1);
	KUNIT_EXPECT_TRUE(test, page_marked(ctx, 9));
	KUNIT_EXPECT_EQ(test, pages_marked(ctx), 1);
	/* little-endian layout: page 9 is bit 1 of byte 1 */
	KUNIT_EXPECT_EQ(test, ((u8 *)ctx->words)[1], 0x02);
}

static void svq_log_test_zero_length(struct kunit *test)
{
	struct svq_log_test_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, 5 * PAGE_4K, 0), 0);
	KUNIT_EXPECT_EQ(test, pages_marked(ctx), 0);
}

static void svq_log_test_page_boundaries(struct kunit *test)
{
	struct svq_log_test_ctx *ctx = test->priv;

	/* exactly one page, aligned: one bit */
	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, 4 * PAGE_4K, PAGE_4K), 1);
	KUNIT_EXPECT_TRUE(test, page_marked(ctx, 4));
	KUNIT_EXPECT_FALSE(test, page_marked(ctx, 5));
	KUNIT_EXPECT_FALSE(test, page_marked(ctx, 3));

	/* two bytes straddling a boundary: both pages */
	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, 8 * PAGE_4K - 1, 2), 2);
	KUNIT_EXPECT_TRUE(test, page_marked(ctx, 7));
	KUNIT_EXPECT_TRUE(test, page_marked(ctx, 8));
	KUNIT_EXPECT_EQ(test, pages_marked(ctx), 3);
}

static void svq_log_test_crosses_words(struct kunit *test)
{
	struct svq_log_test_ctx *ctx = test->priv;
	u64 page;

	/* pages 60..131: spans three 64-bit words */
	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, 60 * PAGE_4K + 100,
					   72 * PAGE_4K - 200), 72);
	for (page = 0; page < LOG_PAGES; page++)
		KUNIT_EXPECT_EQ_MSG(test, page_marked(ctx, page),
				    page >= 60 && page <= 131, "page %llu", page);
}

static void svq_log_test_idempotent(struct kunit *test)
{
	struct svq_log_test_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, 0, 3 * PAGE_4K), 3);
	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, PAGE_4K, 10), 1);
	KUNIT_EXPECT_EQ(test, pages_marked(ctx), 3);
}

/* A set bit is left as it is, and the other bits of its word too. */
static void svq_log_test_set_bits_kept(struct kunit *test)
{
	struct svq_log_test_ctx *ctx = test->priv;

	ctx->words[1] = 0xa5a5a5a5a5a5a5a5ULL;	/* pages 64..127: 64 is set, 65 clear */
	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, 64 * PAGE_4K, 1), 1);
	KUNIT_EXPECT_EQ(test, ctx->words[1], 0xa5a5a5a5a5a5a5a5ULL);
	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, 65 * PAGE_4K, 1), 1);
	KUNIT_EXPECT_EQ(test, ctx->words[1], 0xa5a5a5a5a5a5a5a7ULL);
	KUNIT_EXPECT_EQ(test, ctx->words[0], 0);
	KUNIT_EXPECT_EQ(test, ctx->words[2], 0);
}

static void svq_log_test_last_page(struct kunit *test)
{
	struct svq_log_test_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log,
					   (LOG_PAGES - 1) * PAGE_4K, PAGE_4K), 1);
	KUNIT_EXPECT_TRUE(test, page_marked(ctx, LOG_PAGES - 1));
	KUNIT_EXPECT_EQ(test, ctx->words[GUARD], 0);
}

static void svq_log_test_out_of_range(struct kunit *test)
{
	struct svq_log_test_ctx *ctx = test->priv;

	/* wholly outside: nothing written, guard word intact */
	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, LOG_PAGES * PAGE_4K, 1),
			-ERANGE);
	/* straddling the end: nothing marked, the caller covers it first */
	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log,
					   (LOG_PAGES - 1) * PAGE_4K, 2 * PAGE_4K),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, pages_marked(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->words[GUARD], 0);
}

static void svq_log_test_wraps(struct kunit *test)
{
	struct svq_log_test_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, U64_MAX - 10, 20), -EINVAL);
	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, 2, U64_MAX), -EINVAL);
	/* the last byte of the IOVA space does not wrap */
	KUNIT_EXPECT_EQ(test, svq_log_mark(&ctx->log, U64_MAX, 1), -ERANGE);
	KUNIT_EXPECT_EQ(test, pages_marked(ctx), 0);
}

static struct kunit_case svq_log_test_cases[] = {
	KUNIT_CASE(svq_log_test_single_byte),
	KUNIT_CASE(svq_log_test_zero_length),
	KUNIT_CASE(svq_log_test_page_boundaries),
	KUNIT_CASE(svq_log_test_crosses_words),
	KUNIT_CASE(svq_log_test_idempotent),
	KUNIT_CASE(svq_log_test_set_bits_kept),
	KUNIT_CASE(svq_log_test_last_page),
	KUNIT_CASE(svq_log_test_out_of_range),
	KUNIT_CASE(svq_log_test_wraps),
	{}
};

static struct kunit_suite svq_log_test_suite = {
	.name = "vhost_vdpa_svq_log",
	.init = svq_log_test_init,
	.test_cases = svq_log_test_cases,
};

kunit_test_suite(svq_log_test_suite);
