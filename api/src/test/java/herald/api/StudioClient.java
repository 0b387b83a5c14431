package herald.api;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One browser's view of Studio over plain HTTP: its own cookie jar (kept by hand, so tests can see
 * and plant cookies), forms sent url-encoded, redirects not followed.
 */
final class StudioClient {
  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final String base;
  final Map<String, String> cookies = new LinkedHashMap<>();
  final List<String> setCookies = new ArrayList<>();

  StudioClient(String base) {
    this.base = base;
  }

  HttpResponse<String> get(String path, String... headers) {
    return send("GET", path, null, headers);
  }

  /** Posts a form; {@code fields} are name, value pairs. */
  HttpResponse<String> post(String path, List<String> fields, String... headers) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < fields.size(); i += 2) {
      if (body.length() > 0) {
        body.append('&');
      }
      body.append(URLEncoder.encode(fields.get(i), StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(fields.get(i + 1), StandardCharsets.UTF_8));
    }
    return send("POST", path, body.toString(), headers);
  }

  HttpResponse<String> send(String method, String path, String form, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                form == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(form));
    if (form != null) {
      b.header("Content-Type", "application/x-www-form-urlencoded");
    }
    if (!cookies.isEmpty()) {
      b.header(
          "Cookie",
          cookies.entrySet().stream()
              .map(e -> e.getKey() + "=" + e.getValue())
              .collect(Collectors.joining("; ")));
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      for (String sc : r.headers().allValues("Set-Cookie")) {
        setCookies.add(sc);
        String[] nv = sc.split(";", 2)[0].split("=", 2);
        boolean gone = sc.toLowerCase().contains("max-age=0") || nv[1].isEmpty();
        if (gone) {
          cookies.remove(nv[0]);
        } else {
          cookies.put(nv[0], nv[1]);
        }
      }
      return r;
    } catch (Exception e) {
      throw new AssertionError(method + " " + path + " failed", e);
    }
  }

  /** The last Set-Cookie header for a cookie name. */
  String setCookie(String name) {
    for (int i = setCookies.size() - 1; i >= 0; i--) {
      if (setCookies.get(i).startsWith(name + "=")) {
        return setCookies.get(i);
      }
    }
    return null;
  }

  /** The CSRF token of the first form on a page. */
  static String csrf(HttpResponse<String> page) {
    Matcher m = CSRF.matcher(page.body());
    if (!m.find()) {
      throw new AssertionError("no CSRF field in " + page.body());
    }
    return m.group(1);
  }
}
