// A simulated vCenter for the VMware driver's tests, built from govmomi's
// simulator package (Debian golang-github-vmware-govmomi-dev) in GOPATH mode.
//
//	novavcsim -listen 127.0.0.1:PORT [-username U -password P] [-vms N]
//
// Serves the vSphere API (HTTPS, self-signed) on the address given and
// prints one line "READY <url>" on stdout once it answers; runs until it is
// sent SIGTERM or SIGINT. The inventory is the simulator's VPX model: data
// centre DC0, cluster DC0_C0 (-hosts hosts), datastore LocalDS_0 backed by a
// temporary directory, network "VM Network", distributed port group DC0_DVPG0.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address:port to serve on")
	username := flag.String("username", "", "the only user accepted (any non-empty user when unset)")
	password := flag.String("password", "", "that user's password")
	vms := flag.Int("vms", 0, "simulated VMs created per host at start")
	hosts := flag.Int("hosts", 3, "hosts in the cluster")
	flag.Parse()

	model := simulator.VPX()
	model.Machine = *vms
	model.ClusterHost = *hosts
	if err := model.Create(); err != nil {
		fmt.Fprintln(os.Stderr, "creating the model:", err)
		os.Exit(1)
	}
	defer model.Remove()

	model.Service.TLS = new(tls.Config)
	model.Service.Listen = &url.URL{Host: *listen}
	if *username != "" {
		model.Service.Listen.User = url.UserPassword(*username, *password)
	}
	server := model.Service.NewServer()
	defer server.Close()

	u := *server.URL
	u.User = nil
	fmt.Printf("READY %s\n", u.String())
	os.Stdout.Sync()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
