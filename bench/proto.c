/* proto: lookup by protocol enum. */
#include "proto.h"

const struct proto *proto_get(enum bench_proto p)
{
	switch (p) {
	case PROTO_FRAME: return &proto_frame;
	case PROTO_REDIS: return &proto_redis;
	case PROTO_IRC: return &proto_irc;
	case PROTO_WS: return &proto_ws;
	case PROTO_CHAT: break;
	}
	return &proto_chat;
}
