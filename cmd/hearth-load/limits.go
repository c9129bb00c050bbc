package main

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// raiseNoFile lifts the soft open-file limit to the hard one when it is
// lower, and returns the soft limit in force. With need > 0 it fails when the
// limit stays below need.
func raiseNoFile(need int) (int, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read the open-file limit: %w", err)
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			lim = raised
		}
	}
	if need > 0 && lim.Cur < uint64(need) {
		return int(lim.Cur), fmt.Errorf("this run needs about %d open files in this process but the limit (ulimit -n) is %d: use fewer rooms or members, or raise the limit", need, lim.Cur)
	}
	return int(lim.Cur), nil
}

// filesNeeded is the open files one process holds for rooms×(members+1)
// sockets, plus some for HTTP, the database and spare.
func filesNeeded(rooms, members int) int {
	return rooms*(members+1) + 200
}

// loopbackBase checks that raw is an http URL of a loopback address and
// returns it without a trailing slash. The tool never drives a server
// beyond this machine.
func loopbackBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("--url: %w", err)
	}
	if u.Scheme != "http" {
		return "", fmt.Errorf("--url must be http://127.0.0.1:PORT (got scheme %q)", u.Scheme)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", fmt.Errorf("--url must be only scheme, host and port")
	}
	host := u.Hostname()
	if host == "" || u.Port() == "" {
		return "", fmt.Errorf("--url needs a host and a port")
	}
	if strings.EqualFold(host, "localhost") {
		// Not resolved: "localhost" could name anything in a hosts file.
		return "http://" + net.JoinHostPort("127.0.0.1", u.Port()), nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("--url host %q is not a loopback address; hearth-load only drives a server on this machine", host)
	}
	return "http://" + u.Host, nil
}
