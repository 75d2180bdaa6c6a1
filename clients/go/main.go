// Command taskmaster-client is a small Taskmaster client in Go, on code generated from the
// .proto (see build.sh).
//
//	taskmaster-client status
//	taskmaster-client events              follows; resumes after a reconnect
//	taskmaster-client tail web -n 20
//	taskmaster-client attach shell hello
//	taskmaster-client roles
//
// It talks to the local daemon over its Unix socket (-socket, else where taskmasterd puts it),
// or to a TCP listener with TLS: -server HOST:PORT [-ca FILE] [-token-file FILE]
// [-cert FILE -key FILE].
// Exit codes: 0 done, 1 the daemon answered with an error or could not be reached, 2 bad usage,
// 3 a socket that is not ours or root's.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "taskmaster.example/gen/taskmasterv1"
)

const prog = "taskmaster-client"

const callTimeout = 10 * time.Second

func defaultSocket(instance string) string {
	if runtime := strings.TrimSpace(os.Getenv("XDG_RUNTIME_DIR")); runtime != "" {
		return filepath.Join(runtime, "taskmaster", instance+".sock")
	}
	return filepath.Join(fmt.Sprintf("/tmp/taskmaster-%d", os.Getuid()), instance+".sock")
}

// errRefused marks a socket someone else could be listening on.
type errRefused struct{ why string }

func (e errRefused) Error() string { return e.why }

// resolved is the absolute path with every link resolved, as far as it exists (a missing
// socket keeps its name).
func resolved(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err == nil || !errors.Is(err, os.ErrNotExist) || filepath.Dir(abs) == abs {
		return real, err
	}
	parent, err := resolved(filepath.Dir(abs))
	if err != nil {
		return "", err
	}
	return filepath.Join(parent, filepath.Base(abs)), nil
}

// checkSocket refuses a socket (or a directory above it) that another user owns or could
// replace: whoever owns it answers our calls. It returns the path to dial: the one checked,
// with its links resolved, so no link can be repointed between this check and a
// (re)connection. A missing socket is left to the dial to report.
func checkSocket(path string) (string, error) {
	me := uint32(os.Getuid())
	real, err := resolved(path)
	if err != nil {
		return "", err
	}
	var st syscall.Stat_t
	if err := syscall.Stat(real, &st); err == nil {
		if st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
			return "", errRefused{path + " is not a socket"}
		}
		if st.Uid != me && st.Uid != 0 {
			return "", errRefused{fmt.Sprintf("%s is owned by uid %d, not by you (%d) or root", path, st.Uid, me)}
		}
	} else if !errors.Is(err, syscall.ENOENT) {
		return "", err
	}
	for dir := filepath.Dir(real); ; dir = filepath.Dir(dir) {
		// A directory not there yet: whoever makes it must own the one above, checked next.
		if err := syscall.Stat(dir, &st); err == nil {
			if st.Uid != me && st.Uid != 0 {
				return "", errRefused{fmt.Sprintf("its directory %s is owned by uid %d, not by you (%d) or root", dir, st.Uid, me)}
			}
			if st.Mode&0o022 != 0 && st.Mode&syscall.S_ISVTX == 0 {
				return "", errRefused{fmt.Sprintf("its directory %s is writable by others (mode %04o) without the sticky bit", dir, st.Mode&0o7777)}
			}
		} else if !errors.Is(err, syscall.ENOENT) {
			return "", err
		}
		if dir == "/" {
			return real, nil
		}
	}
}

// readSecret reads a token or key file; refused when others may read it, as taskmasterctl does.
func readSecret(option, path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if mode := info.Mode().Perm(); mode&0o077 != 0 {
		return nil, errRefused{fmt.Sprintf("%s %s: it is open to others (mode %04o); a secret must be readable by you only", option, path, mode)}
	}
	return os.ReadFile(path)
}

// bearer sends a token as "authorization: Bearer TOKEN" with every call, over TLS only.
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return true }

type options struct{ socket, server, ca, tokenFile, cert, key string }

func connect(o options) (*grpc.ClientConn, error) {
	// Reconnect quickly after a break, so a resumed stream (events) loses little time.
	dial := []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
		Backoff: backoff.Config{BaseDelay: 200 * time.Millisecond, Multiplier: 1.6, MaxDelay: time.Second},
	})}
	if o.server != "" {
		// TLS, trusting -ca (else the system's CAs), with a client certificate for mutual TLS.
		config := &tls.Config{MinVersion: tls.VersionTLS12}
		if o.ca != "" {
			pem, err := os.ReadFile(o.ca)
			if err != nil {
				return nil, err
			}
			config.RootCAs = x509.NewCertPool()
			if !config.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("%s: no PEM certificate in it", o.ca)
			}
		}
		if o.cert != "" {
			if _, err := readSecret("--key", o.key); err != nil {
				return nil, err
			}
			pair, err := tls.LoadX509KeyPair(o.cert, o.key)
			if err != nil {
				return nil, err
			}
			config.Certificates = []tls.Certificate{pair}
		}
		dial = append(dial, grpc.WithTransportCredentials(credentials.NewTLS(config)))
		if o.tokenFile != "" {
			token, err := readSecret("--token-file", o.tokenFile)
			if err != nil {
				return nil, err
			}
			dial = append(dial, grpc.WithPerRPCCredentials(bearer(strings.TrimSpace(string(token)))))
		}
		return grpc.Dial(o.server, dial...)
	}
	real, err := checkSocket(o.socket)
	if err != nil {
		var refused errRefused
		if errors.As(err, &refused) {
			return nil, errRefused{o.socket + ": " + refused.why}
		}
		return nil, err
	}
	// grpc-go 1.33 (Debian bookworm) dials "unix:///abs/path" itself.
	return grpc.Dial("unix://"+real, append(dial, grpc.WithInsecure())...)
}

func stateName(s pb.ProcessState) string {
	return strings.TrimPrefix(s.String(), "PROCESS_STATE_")
}

func hms(d time.Duration) string {
	s := int64(d / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// exitReason says how the last process of this instance ended; "-" if none ended yet.
func exitReason(p *pb.ProcessInfo) string {
	e := p.GetLastExit()
	if e == nil {
		return "-"
	}
	var text string
	switch o := e.Outcome.(type) {
	case *pb.ExitInfo_Exited:
		text = fmt.Sprintf("exit %d", o.Exited.Code)
	case *pb.ExitInfo_Killed:
		text = "signal " + o.Killed.SignalName
		if o.Killed.SignalName == "" {
			text = fmt.Sprintf("signal %d", o.Killed.SignalNumber)
		}
		if o.Killed.CoreDumped {
			text += ", core dumped"
		}
	case *pb.ExitInfo_SpawnFailed:
		return "spawn failed: " + o.SpawnFailed.Reason
	default:
		return "exit status unknown"
	}
	if e.Expected {
		return text + " (expected)"
	}
	return text + " (unexpected)"
}

func cmdStatus(c pb.TaskmasterServiceClient) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	reply, err := c.ListProcesses(ctx, &pb.ListProcessesRequest{})
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSTATE\tPID\tUPTIME\tEXIT")
	for _, p := range reply.Processes {
		pid, uptime := "-", "-"
		if p.Pid != 0 {
			pid = fmt.Sprint(p.Pid)
		}
		if p.Uptime != nil {
			uptime = hms(p.Uptime.AsDuration())
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.FullName, stateName(p.State), pid, uptime, exitReason(p))
	}
	return w.Flush()
}

func describe(e *pb.Event) string {
	switch p := e.Payload.(type) {
	case *pb.Event_ProcessStateChanged:
		c := p.ProcessStateChanged
		return fmt.Sprintf("%s %s -> %s (%s)", c.Process.GetFullName(), stateName(c.FromState), stateName(c.ToState), c.Reason)
	case *pb.Event_DaemonShuttingDown:
		return "daemon shutting down: " + p.DaemonShuttingDown.Reason
	}
	// The oneof field's name, e.g. "config_reloaded".
	return strings.ReplaceAll(string(e.ProtoReflect().WhichOneof(e.ProtoReflect().Descriptor().Oneofs().ByName("payload")).Name()), "_", " ")
}

// cmdEvents follows the journal; after a broken stream, it resumes from the last sequence seen
// + 1. The contract: WatchEvents with from_sequence N replays every kept event with sequence
// >= N, so passing last + 1 gives each event exactly once. Sequences belong to one journal_id
// (one daemon run); sending it back lets the daemon say so (EventsMissed) after it restarted.
func cmdEvents(c pb.TaskmasterServiceClient) error {
	var last uint64
	journal := ""
	shuttingDown := false
	for {
		req := &pb.WatchEventsRequest{JournalId: journal}
		if last > 0 {
			req.FromSequence = last + 1
		}
		// WaitForReady: a call made while the socket is away waits for it to come back.
		stream, err := c.WatchEvents(context.Background(), req, grpc.WaitForReady(true))
		for err == nil {
			var msg *pb.WatchEventsResponse
			if msg, err = stream.Recv(); err != nil {
				break
			}
			switch k := msg.Kind.(type) {
			case *pb.WatchEventsResponse_Snapshot:
				journal, last = k.Snapshot.JournalId, k.Snapshot.Sequence
				fmt.Printf("snapshot at #%d: %d processes\n", last, len(k.Snapshot.Processes))
			case *pb.WatchEventsResponse_Event:
				last = k.Event.Sequence
				if k.Event.GetDaemonShuttingDown() != nil {
					shuttingDown = true
				}
				fmt.Printf("#%d %s\n", last, describe(k.Event))
			case *pb.WatchEventsResponse_EventsMissed:
				m := k.EventsMissed
				fmt.Printf("missed events from #%d (%s); a snapshot follows\n", m.RequestedSequence,
					strings.TrimPrefix(m.Reason.String(), "EVENTS_MISSED_REASON_"))
			case *pb.WatchEventsResponse_Heartbeat:
				if k.Heartbeat.LatestSequence > last {
					last = k.Heartbeat.LatestSequence
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if status.Code(err) != codes.Unavailable {
			return err
		}
		if shuttingDown {
			return nil // the daemon said it was going: the stream's end is the expected one
		}
		fmt.Fprintf(os.Stderr, "%s: stream broken (%s); resuming from #%d\n", prog, status.Convert(err).Message(), last+1)
		time.Sleep(200 * time.Millisecond)
	}
}

// cmdTail prints the last n lines, reading backwards in 64 KiB steps until it has them.
func cmdTail(c pb.TaskmasterServiceClient, name string, n int) error {
	const step = 64 * 1024
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	reply, err := c.TailOutput(ctx, &pb.TailOutputRequest{Name: name, MaxBytes: step})
	if err != nil {
		return err
	}
	data, start := reply.Data, reply.Offset
	for bytes.Count(data, []byte("\n")) <= n && start > 0 {
		offset := start - step
		if offset < 0 {
			offset = 0
		}
		more, err := c.TailOutput(ctx, &pb.TailOutputRequest{Name: name, Offset: proto.Int64(offset), MaxBytes: start - offset})
		if err != nil {
			return err
		}
		if more.Offset >= start || len(more.Data) == 0 {
			break // older output is no longer held
		}
		data, start = append(more.Data[:start-more.Offset:start-more.Offset], data...), more.Offset
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(data) == 0 {
		lines = nil
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for _, l := range lines {
		fmt.Println(strings.TrimSuffix(l, "\r"))
	}
	return nil
}

// cmdAttach sends one line to the process and prints the first line it answers. On a tty
// program the terminal echoes what is typed: a line equal to the one sent is that echo.
func cmdAttach(c pb.TaskmasterServiceClient, name, line string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel() // detaches
	stream, err := c.AttachOutput(ctx, &pb.AttachOutputRequest{Name: name, InputMode: pb.InputMode_INPUT_MODE_EXCLUSIVE})
	if err != nil {
		return err
	}
	var pending []byte
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			return fmt.Errorf("the attach stream of %s ended without an answer", name)
		}
		if status.Code(err) == codes.DeadlineExceeded {
			return fmt.Errorf("no answer from %s within %s", name, timeout)
		}
		if err != nil {
			return err
		}
		switch k := msg.Kind.(type) {
		case *pb.AttachOutputResponse_Started:
			if !k.Started.InputLease.GetGranted() {
				return fmt.Errorf("cannot type into %s: input held by %s", name, k.Started.InputLease.GetHolder())
			}
			_, err := c.SendInput(ctx, &pb.SendInputRequest{Name: name, SessionId: k.Started.SessionId, Data: []byte(line + "\n")})
			if err != nil {
				return err
			}
		case *pb.AttachOutputResponse_Chunk:
			pending = append(pending, k.Chunk.Data...)
			for {
				i := bytes.IndexByte(pending, '\n')
				if i < 0 {
					break
				}
				text := strings.TrimSuffix(string(pending[:i]), "\r")
				pending = pending[i+1:]
				if text != line {
					fmt.Println(text)
					return nil
				}
			}
		}
	}
}

// cmdRoles prints the role each RPC needs, read from the required_role option of the descriptor.
func cmdRoles() {
	methods := pb.File_taskmaster_v1_taskmaster_proto.Services().ByName("TaskmasterService").Methods()
	for i := 0; i < methods.Len(); i++ {
		m := methods.Get(i)
		role := proto.GetExtension(m.Options(), pb.E_RequiredRole).(pb.Role)
		fmt.Printf("%s %s\n", m.Name(), strings.ToLower(strings.TrimPrefix(role.String(), "ROLE_")))
	}
}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: %s [-socket PATH | -server HOST:PORT [-ca FILE] [-token-file FILE] [-cert FILE -key FILE]] status | events | tail [-n LINES] NAME | attach [-timeout 10s] NAME LINE | roles\n", prog)
	os.Exit(2)
}

func main() {
	var o options
	flag.StringVar(&o.socket, "socket", defaultSocket("default"), "the daemon's Unix socket")
	flag.StringVar(&o.server, "server", "", "HOST:PORT of a TCP listener (TLS) instead of the socket")
	flag.StringVar(&o.ca, "ca", "", "with -server: the CA certificate (PEM) to trust")
	flag.StringVar(&o.tokenFile, "token-file", "", "with -server: a file holding a bearer token")
	flag.StringVar(&o.cert, "cert", "", "with -server: a client certificate (PEM), for mutual TLS")
	flag.StringVar(&o.key, "key", "", "with -server: the client certificate's key (PEM)")
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() == 0 || (o.cert == "") != (o.key == "") || (o.server == "" && o.ca+o.tokenFile+o.cert != "") {
		usage()
	}
	sub := flag.NewFlagSet(flag.Arg(0), flag.ExitOnError)
	lines := sub.Int("n", 10, "tail: number of lines")
	timeout := sub.Duration("timeout", 10*time.Second, "attach: how long to wait for the answer")
	sub.Parse(flag.Args()[1:])
	want := map[string]int{"status": 0, "events": 0, "tail": 1, "attach": 2, "roles": 0}
	if n, ok := want[flag.Arg(0)]; !ok || sub.NArg() != n || *lines < 0 {
		usage()
	}
	if flag.Arg(0) == "roles" {
		cmdRoles()
		return
	}
	conn, err := connect(o)
	var refused errRefused
	if errors.As(err, &refused) {
		fmt.Fprintf(os.Stderr, "%s: refusing %s\n", prog, refused.why)
		os.Exit(3)
	}
	if err == nil {
		defer conn.Close()
		c := pb.NewTaskmasterServiceClient(conn)
		switch flag.Arg(0) {
		case "status":
			err = cmdStatus(c)
		case "events":
			err = cmdEvents(c)
		case "tail":
			err = cmdTail(c, sub.Arg(0), *lines)
		case "attach":
			err = cmdAttach(c, sub.Arg(0), sub.Arg(1), *timeout)
		}
	}
	if err != nil {
		if s, ok := status.FromError(err); ok {
			fmt.Fprintf(os.Stderr, "%s: %s: %s\n", prog, strings.ToUpper(codeName(s.Code())), s.Message())
		} else {
			fmt.Fprintf(os.Stderr, "%s: %s\n", prog, err)
		}
		if conn != nil {
			conn.Close()
		}
		os.Exit(1)
	}
}

// codeName is the canonical name of a status code ("NOT_FOUND"), as the other clients print it.
func codeName(c codes.Code) string {
	if c == codes.Canceled {
		return "CANCELLED"
	}
	var b strings.Builder
	for i, r := range c.String() {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return b.String()
}
