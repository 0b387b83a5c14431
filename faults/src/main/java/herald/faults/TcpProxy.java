package herald.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP proxy on loopback between the services and a server (PostgreSQL, the Kafka broker, the SMTP
 * sink), so that the suite can make the server unreachable while it keeps running: {@link
 * Mode#DROP} resets every connection and each new one, {@link Mode#STALL} keeps connections open
 * and forwards nothing either way (a blackholed network: clients wait for their time-outs), and
 * {@link Mode#STALL_REPLIES} forwards what clients send but holds back what the server answers (an
 * SMTP server that took a message whose {@code 250} never arrives). Each connection is a pair of
 * virtual threads.
 */
public final class TcpProxy implements AutoCloseable {

  /** What the proxy does with traffic. */
  public enum Mode {
    PASS,
    DROP,
    STALL,
    /**
     * Forwards both ways until the client sends {@link #marker}; from then on that connection's
     * replies are held back until the mode changes.
     */
    STALL_REPLIES_AFTER_MARKER
  }

  private final ServerSocket server;
  private final int upstreamPort;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Object modeLock = new Object();
  private volatile Mode mode = Mode.PASS;
  private volatile byte[] marker = new byte[0];
  private volatile boolean closed;

  private TcpProxy(ServerSocket server, int upstreamPort) {
    this.server = server;
    this.upstreamPort = upstreamPort;
  }

  /** A proxy on a free loopback port forwarding to {@code 127.0.0.1:upstreamPort}. */
  public static TcpProxy start(int upstreamPort) throws IOException {
    ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    TcpProxy proxy = new TcpProxy(server, upstreamPort);
    Thread.ofVirtual().name("proxy-accept-" + server.getLocalPort()).start(proxy::accept);
    return proxy;
  }

  /** A proxy on {@code port} (already chosen), for a server to be started behind it later. */
  public static TcpProxy startOn(int port, int upstreamPort) throws IOException {
    ServerSocket server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
    TcpProxy proxy = new TcpProxy(server, upstreamPort);
    Thread.ofVirtual().name("proxy-accept-" + port).start(proxy::accept);
    return proxy;
  }

  public int port() {
    return server.getLocalPort();
  }

  public Mode mode() {
    return mode;
  }

  /**
   * Holds back each connection's replies once its client has sent {@code marker} (for SMTP, the end
   * of a message's data: the server takes the message, its {@code 250} never arrives).
   */
  public void stallRepliesAfter(String marker) {
    this.marker = marker.getBytes(StandardCharsets.US_ASCII);
    mode(Mode.STALL_REPLIES_AFTER_MARKER);
  }

  /** Changes what the proxy does; {@link Mode#DROP} also resets every open connection. */
  public void mode(Mode next) {
    synchronized (modeLock) {
      mode = next;
      modeLock.notifyAll();
    }
    if (next == Mode.DROP) {
      open.forEach(TcpProxy::reset);
    }
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      if (mode == Mode.DROP) {
        reset(client);
        continue;
      }
      Thread.ofVirtual().start(() -> connect(client));
    }
  }

  private void connect(Socket client) {
    open.add(client);
    try {
      // A stalled network does not even complete the way to the server.
      awaitFlowing(false, new AtomicBoolean());
      Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
      upstream.setTcpNoDelay(true);
      client.setTcpNoDelay(true);
      open.add(upstream);
      AtomicBoolean markerSeen = new AtomicBoolean();
      Thread.ofVirtual().start(() -> pump(client, upstream, false, markerSeen));
      pump(upstream, client, true, markerSeen);
    } catch (IOException | InterruptedException e) {
      reset(client);
    }
  }

  private void pump(Socket from, Socket to, boolean reply, AtomicBoolean markerSeen) {
    byte[] buffer = new byte[16 * 1024];
    // The end of what was forwarded before, for a marker split across two reads.
    byte[] tail = new byte[0];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        awaitFlowing(reply, markerSeen);
        if (mode == Mode.DROP) {
          break;
        }
        if (!reply && mode == Mode.STALL_REPLIES_AFTER_MARKER) {
          // Before forwarding: the server's answer to it must find the connection held.
          byte[] seen = new byte[tail.length + n];
          System.arraycopy(tail, 0, seen, 0, tail.length);
          System.arraycopy(buffer, 0, seen, tail.length, n);
          if (contains(seen, marker)) {
            markerSeen.set(true);
          }
          tail = Arrays.copyOfRange(seen, Math.max(0, seen.length - marker.length), seen.length);
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // One side went away, or the proxy dropped the connection: end both.
    } finally {
      reset(from);
      reset(to);
      open.remove(from);
      open.remove(to);
    }
  }

  /** Waits while the mode holds back traffic in this direction. */
  private void awaitFlowing(boolean reply, AtomicBoolean markerSeen) throws InterruptedException {
    synchronized (modeLock) {
      while (mode == Mode.STALL
          || (reply && mode == Mode.STALL_REPLIES_AFTER_MARKER && markerSeen.get())) {
        modeLock.wait();
      }
    }
    if (mode != Mode.STALL_REPLIES_AFTER_MARKER) {
      markerSeen.set(false);
    }
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return needle.length == 0;
  }

  /** Closes with a reset (RST), as a lost network path or a dead host would look. */
  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // already closed
    }
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    mode(Mode.PASS);
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    open.forEach(TcpProxy::reset);
    open.clear();
  }
}
