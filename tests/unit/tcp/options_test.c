// SPDX-License-Identifier: MIT
/*
 * Option parsing: zero, one-byte, overlong and truncated lengths are
 * rejected without looping or reading past the header; unknown options
 * and known ones of the wrong size are skipped; EOL ends the list. A SYN
 * with malformed options gets no SYN-ACK and creates no state; an
 * established connection drops such a segment and stays as it was.
 */
#include "tests/check.h"
#include "tests/unit/tcp/harness.h"

/* A header of 20 + len option bytes, copied so the parser sees its end. */
static int parse(const uint8_t *opt, unsigned len, struct tcp_opts *o)
{
	uint8_t *hdr = calloc(1, 20 + len);
	int r;

	CHECK(hdr);
	memcpy(hdr + 20, opt, len);
	r = tcp_parse_options(hdr, 20 + len, o); /* ASan sees over-reads */
	free(hdr);
	return r;
}

static void test_parser(void)
{
	struct tcp_opts o;
	static const uint8_t zero_len[] = {2, 0, 5, 0xb4};
	static const uint8_t one_len[] = {2, 1, 5, 0xb4};
	static const uint8_t overlong[] = {2, 9, 5, 0xb4};
	static const uint8_t no_len[] = {1, 1, 1, 8};
	static const uint8_t unknown[] = {30, 6, 1, 2, 3, 4, 2, 4, 2, 0};
	static const uint8_t bad_mss[] = {2, 3, 7, 1, 1, 1, 1};
	static const uint8_t eol[] = {0, 2, 0, 0};
	static const uint8_t big_ws[] = {3, 3, 200, 1};
	static const uint8_t sack[] = {1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 9};
	static const uint8_t sack_bad[] = {1, 5, 7, 0, 0, 0, 1, 1};

	CHECK_EQ(parse(zero_len, sizeof(zero_len), &o), -EINVAL);
	CHECK_EQ(parse(one_len, sizeof(one_len), &o), -EINVAL);
	CHECK_EQ(parse(overlong, sizeof(overlong), &o), -EINVAL);
	CHECK_EQ(parse(no_len, sizeof(no_len), &o), -EINVAL);
	CHECK_EQ(parse(unknown, sizeof(unknown), &o), 0);
	CHECK(o.has_mss);
	CHECK_EQ(o.mss, 512);
	CHECK_EQ(parse(bad_mss, sizeof(bad_mss), &o), 0);
	CHECK(!o.has_mss); /* wrong length for its kind: skipped */
	CHECK_EQ(parse(eol, sizeof(eol), &o), 0);
	CHECK(!o.has_mss);
	CHECK_EQ(parse(big_ws, sizeof(big_ws), &o), 0);
	CHECK(o.has_wscale);
	CHECK_EQ(o.wscale, 200); /* clamped to 14 when negotiated */
	CHECK_EQ(parse(sack, sizeof(sack), &o), 0);
	CHECK_EQ(o.nsack, 1);
	CHECK_UEQ(o.sack[0][1], 9);
	CHECK_EQ(parse(sack_bad, sizeof(sack_bad), &o), 0);
	CHECK_EQ(o.nsack, 0);

	/* Every length byte at every position: never loops or over-reads. */
	for (unsigned len = 1; len <= 40; len++) {
		uint8_t opt[40];

		for (unsigned v = 0; v < 256; v++) {
			for (unsigned i = 0; i < len; i++)
				opt[i] = (uint8_t)(i % 2 ? v : 2 + (i % 7));
			parse(opt, len, &o);
		}
	}
}

static void test_malformed_syn(void)
{
	static const uint8_t bad[] = {2, 4, 5, 0xb4, 8, 0, 1, 1};
	struct ak_tcp_listener *l;
	struct ak_tcp_stats st;
	struct ak_tcp *tcp;
	struct h_env e;
	struct h_seg s;

	h_env_init(&e, H_LOCAL);
	tcp = h_engine(&e, NULL);
	CHECK_OK(ak_tcp_engine_listen(tcp, 80, 8, NULL, NULL, &l));
	struct h_spec syn = {
		.saddr = H_REMOTE,
		.daddr = H_LOCAL,
		.sport = 1000,
		.dport = 80,
		.seq = 5,
		.flags = TCP_SYN,
		.wnd = 1000,
		.opt = bad,
		.optlen = sizeof(bad),
	};
	h_send(&e, tcp, &syn);
	CHECK(!h_pop(&e, &s));
	ak_tcp_engine_stats(tcp, &st);
	CHECK_EQ(st.conns, 0);
	CHECK_EQ(st.malformed, 1);
	ak_tcp_listener_close(l);
	ak_tcp_destroy(tcp);
}

static void test_malformed_established(void)
{
	static const uint8_t bad[] = {1, 1, 8, 11, 0, 0, 0, 0, 0, 0, 0, 0};
	struct h_fixture f;
	struct ak_tcp_conn_info before, after;
	struct h_seg s;
	uint8_t data[10] = {0};

	h_fixture_open(&f, NULL, NULL, 0, 77);
	ak_tcp_conn_info(f.c, &before);
	struct h_spec seg = {
		.saddr = H_REMOTE,
		.daddr = H_LOCAL,
		.sport = f.p.port,
		.dport = 80,
		.seq = f.p.snd_nxt,
		.ack = f.p.rcv_nxt,
		.flags = TCP_ACK | TCP_RST,
		.wnd = 1000,
		.opt = bad,
		.optlen = sizeof(bad),
		.data = data,
		.len = sizeof(data),
	};
	h_send(&f.e, f.tcp, &seg); /* even an exact RST is dropped */
	CHECK(!h_pop(&f.e, &s));
	ak_tcp_conn_info(f.c, &after);
	CHECK_EQ(after.state, AK_TCP_ESTABLISHED);
	CHECK_UEQ(after.rcv_nxt, before.rcv_nxt);
	CHECK_EQ(after.readable, 0);
	h_fixture_close(&f);
}

int main(void)
{
	check_timeout(30);
	test_parser();
	test_malformed_syn();
	test_malformed_established();
	CHECK_EQ(h_live_frames, 0);
	return 0;
}
