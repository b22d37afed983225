// Command demo is the README's first command. It starts a simulated local cluster (a real
// control plane, with kwok playing the nodes), runs the operator against it, applies the sample
// DittoFS and prints `kubectl get dittofs` each time the row changes until the sample is Serving
// with its share ready. The server pod is played by the real dfs binary (e2e/kubelet), so the
// share the operator creates through the server's API is read back over NFS at the end. The
// cluster then stays up for you to look around, until Ctrl-C. With -exit it stops once Serving.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	exit := flag.Bool("exit", false, "stop as soon as the sample is Serving")
	timeout := flag.Duration("timeout", 3*time.Minute, "how long to wait for Serving")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *exit, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func say(msg string) { fmt.Printf("==> %s\n", msg) }
