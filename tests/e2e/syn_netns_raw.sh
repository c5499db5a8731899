#!/bin/sh
# tests/e2e/syn_netns_raw.sh - tests/e2e/syn_netns.sh on the raw IP socket
# send path (--send-path raw); syn_netns.sh itself runs on AF_PACKET frames.
here=$(dirname "$0")
EP_SEND_PATH=raw exec "$here/syn_netns.sh" "$@"
