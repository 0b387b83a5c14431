package herald.publisher.channel.newsletter;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tiny SMTP server on the loopback interface that accepts every message and keeps it as an {@code
 * .eml} file, so that a newcomer running everything on a laptop can read what the newsletter sent.
 * Not a mail server: no relaying, no TLS, no authentication.
 *
 * <pre>{@code
 * LocalSmtpSink sink = LocalSmtpSink.start(2525, dataDir.resolve("mail"));
 * ...
 * sink.messages();   // the .eml files, oldest first
 * sink.stop();
 * }</pre>
 */
public final class LocalSmtpSink implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalSmtpSink.class);
  private static final int MAX_LINE = 8192;
  private static final long MAX_MESSAGE = 25L * 1024 * 1024;

  private final ServerSocket server;
  private final Path dir;
  private final ExecutorService connections;
  private final AtomicLong received = new AtomicLong();
  private final Thread acceptor;
  private volatile boolean stopped;

  private LocalSmtpSink(ServerSocket server, Path dir) {
    this.server = server;
    this.dir = dir;
    this.connections =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "herald-smtp-sink-conn");
              t.setDaemon(true);
              return t;
            });
    this.acceptor = new Thread(this::accept, "herald-smtp-sink");
    this.acceptor.setDaemon(true);
  }

  /**
   * Listens on 127.0.0.1:{@code port} (0 picks a free port) and writes each message to {@code dir}
   * (created if needed); with a null {@code dir} messages are only counted (for benchmarks).
   */
  public static LocalSmtpSink start(int port, Path dir) throws IOException {
    if (dir != null) {
      Files.createDirectories(dir);
    }
    ServerSocket server = new ServerSocket(port, 128, InetAddress.getLoopbackAddress());
    LocalSmtpSink sink = new LocalSmtpSink(server, dir);
    sink.acceptor.start();
    LOG.info(
        "local SMTP sink on 127.0.0.1:{}{}",
        server.getLocalPort(),
        dir == null ? "" : ", mail in " + dir);
    return sink;
  }

  /** The port it listens on. */
  public int port() {
    return server.getLocalPort();
  }

  /** How many messages it accepted since it started. */
  public long received() {
    return received.get();
  }

  /** The kept messages ({@code .eml} files), oldest first; empty when it only counts. */
  public List<Path> messages() throws IOException {
    if (dir == null) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".eml")).sorted().toList();
    }
  }

  /** Stops listening and closes open connections. */
  public void stop() {
    stopped = true;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("closing the SMTP sink", e);
    }
    connections.shutdownNow();
    try {
      connections.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }

  private void accept() {
    while (!stopped) {
      try {
        Socket s = server.accept();
        connections.execute(() -> serve(s));
      } catch (IOException e) {
        if (!stopped) {
          LOG.warn("SMTP sink accept failed", e);
        }
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket;
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream()) {
      socket.setSoTimeout(60_000);
      reply(out, "220 herald-smtp-sink ESMTP ready");
      String line;
      while ((line = readLine(in)) != null) {
        String cmd =
            line.length() < 4
                ? line.toUpperCase(Locale.ROOT)
                : line.substring(0, 4).toUpperCase(Locale.ROOT);
        switch (cmd) {
          case "EHLO" ->
              reply(
                  out,
                  "250-herald-smtp-sink\r\n250-8BITMIME\r\n250-SIZE "
                      + MAX_MESSAGE
                      + "\r\n250 SMTPUTF8");
          case "HELO" -> reply(out, "250 herald-smtp-sink");
          case "MAIL", "RCPT", "RSET", "NOOP" -> reply(out, "250 OK");
          case "DATA" -> {
            reply(out, "354 End data with <CR><LF>.<CR><LF>");
            byte[] message = readData(in);
            if (message == null) {
              return;
            }
            keep(message);
            reply(out, "250 OK queued");
          }
          case "QUIT" -> {
            reply(out, "221 Bye");
            return;
          }
          default -> reply(out, "502 Command not implemented");
        }
      }
    } catch (SocketException e) {
      // The client went away or the sink stopped.
    } catch (IOException e) {
      LOG.debug("SMTP sink connection failed", e);
    }
  }

  private void keep(byte[] message) throws IOException {
    long n = received.incrementAndGet();
    if (dir == null) {
      return;
    }
    String name = String.format(Locale.ROOT, "%d-%08d.eml", System.currentTimeMillis(), n);
    Path tmp = Files.createTempFile(dir, ".incoming", ".tmp");
    Files.write(tmp, message);
    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
  }

  /** The DATA section up to the lone dot, with dot-stuffing undone, lines ending in CRLF. */
  private static byte[] readData(InputStream in) throws IOException {
    ByteArrayOutputStream message = new ByteArrayOutputStream(8192);
    String line;
    while ((line = readLine(in)) != null) {
      if (line.equals(".")) {
        return message.toByteArray();
      }
      if (line.startsWith(".")) {
        line = line.substring(1);
      }
      if (message.size() < MAX_MESSAGE) {
        message.write(line.getBytes(StandardCharsets.ISO_8859_1));
        message.write('\r');
        message.write('\n');
      }
    }
    return null;
  }

  /** One line without its CRLF, bytes kept as ISO-8859-1 chars so 8-bit content survives. */
  private static String readLine(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder(80);
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        int len = b.length();
        if (len > 0 && b.charAt(len - 1) == '\r') {
          b.setLength(len - 1);
        }
        return b.toString();
      }
      if (b.length() < MAX_LINE * 128) {
        b.append((char) c);
      }
    }
    return b.length() == 0 ? null : b.toString();
  }

  private static void reply(OutputStream out, String text) throws IOException {
    out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }
}
