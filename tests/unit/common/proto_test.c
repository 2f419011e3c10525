// SPDX-License-Identifier: MIT
/*
 * The control protocol's header check accepts exactly well-formed messages
 * and names the reason for each malformed one; container names are 1-31
 * printable bytes.
 */
#include <errno.h>

#include "common/proto.h"
#include "tests/check.h"

static void test_header_check(void)
{
	uint8_t buf[64] = {0};
	struct ak_msg_hdr hdr, out;

	ak_msg_init(&hdr, AK_MSG_HELLO, 7, 16);
	memcpy(buf, &hdr, sizeof(hdr));
	CHECK_EQ(ak_msg_check(buf, 40, &out), 0);
	CHECK_EQ(out.request_id, 7);
	CHECK_EQ(out.length, 40);

	CHECK_EQ(ak_msg_check(buf, 23, &out), -EPROTO);
	CHECK_EQ(ak_msg_check(buf, 39, &out), -EBADMSG);
	CHECK_EQ(ak_msg_check(buf, AK_MSG_MAX + 1, &out), -EMSGSIZE);

	hdr.version = 2;
	memcpy(buf, &hdr, sizeof(hdr));
	CHECK_EQ(ak_msg_check(buf, 40, &out), -EPROTONOSUPPORT);
	hdr.version = AK_PROTO_VERSION;
	hdr.magic ^= 1;
	memcpy(buf, &hdr, sizeof(hdr));
	CHECK_EQ(ak_msg_check(buf, 40, &out), -EPROTO);
}

static void test_oversized(void)
{
	static uint8_t big[AK_MSG_MAX + 1];
	struct ak_msg_hdr hdr, out;

	ak_msg_init(&hdr, AK_MSG_HELLO, 1, AK_MSG_MAX + 1 - sizeof(hdr));
	memcpy(big, &hdr, sizeof(hdr));
	CHECK_EQ(ak_msg_check(big, sizeof(big), &out), -EMSGSIZE);
}

static void test_names(void)
{
	char n32[AK_NAME_MAX] = "0123456789012345678901234567890";

	CHECK_EQ(ak_name_check("kv-1", 5), 0);
	CHECK_EQ(ak_name_check(n32, sizeof(n32)), 0);
	CHECK_EQ(ak_name_check("", 1), -EINVAL);
	CHECK_EQ(ak_name_check("a b", 4), -EINVAL);
	CHECK_EQ(ak_name_check("tab\t", 5), -EINVAL);
	/* no NUL within the field */
	CHECK_EQ(ak_name_check("abcd", 4), -EINVAL);
	CHECK_STREQ(ak_rx_reason_names[AK_RX_PORT], "port");
	CHECK_STREQ(ak_tx_reason_names[AK_TX_SRC_IP], "src_ip");
	CHECK_STREQ(ak_msg_type_name(AK_MSG_FILTER_ADD | AK_MSG_REPLY),
		    "FILTER_ADD");
	CHECK(ak_msg_type_name(0x0199) == NULL);
}

int main(void)
{
	check_timeout(10);
	test_header_check();
	test_oversized();
	test_names();
	return 0;
}
