// Command coredns is CoreDNS's own main with only the plugins AutoPilot's DNS tests use (bind, errors,
// log, etcd), instead of the ~60 plugins the stock build compiles in through core/plugin (plugin.cfg).
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/etcd"
	_ "github.com/coredns/coredns/plugin/log"
)

func main() {
	// The execution order of the stock build (plugin.cfg), restricted to the plugins imported above.
	if err := dnsserver.SetDirectives([]string{"bind", "errors", "log", "etcd"}); err != nil {
		panic(err)
	}
	coremain.Run()
}
