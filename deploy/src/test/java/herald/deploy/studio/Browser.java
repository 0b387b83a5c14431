package herald.deploy.studio;

import static org.junit.jupiter.api.Assertions.fail;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One real headless Chromium (Debian's {@code chromium} through its {@code chromedriver}) for a
 * test class, with the checks every screen gets: axe-core finds no serious or critical violation,
 * and a screenshot is saved under {@code target/studio-screenshots}.
 */
public final class Browser implements AutoCloseable {
  static final Path SCREENSHOTS = Path.of("target", "studio-screenshots");
  private static final List<String> AXE_TAGS =
      List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa");

  final ChromeDriver driver;
  final String base;
  private final Path profile;

  public Browser(String base) {
    this.base = base;
    try {
      profile = Files.createTempDirectory(Path.of("target"), "chromium-profile");
      Files.createDirectories(SCREENSHOTS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(System.getenv().getOrDefault("HERALD_CHROMIUM", "/usr/bin/chromium"));
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1280,900",
        "--lang=en",
        "--user-data-dir=" + profile.toAbsolutePath());
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(
                new File(
                    System.getenv().getOrDefault("HERALD_CHROMEDRIVER", "/usr/bin/chromedriver")))
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
    driver.manage().window().setSize(new Dimension(1280, 900));
    // Loads and axe-core's injected scripts may take long on a loaded machine; they end when done.
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(120));
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(120));
  }

  /** Opens a Studio path (or a full URL). */
  public void open(String pathOrUrl) {
    driver.get(pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl);
  }

  public WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  public List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /** Types into the form field labelled by {@code id} (replacing what was there). */
  public void type(String id, String text) {
    WebElement e = driver.findElement(By.id(id));
    e.clear();
    e.sendKeys(text);
  }

  /**
   * Waits for a condition, ignoring elements that went stale meanwhile: the live panels re-render
   * their rows as server-sent events arrive. The ceiling is generous (a wait ends as soon as its
   * condition holds) so a loaded machine does not fail a story that is only slow.
   */
  public WebDriverWait waiting() {
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(90));
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  /** Clicks the element {@code css} finds, finding it again if a re-render replaced it. */
  public void click(String css) {
    waiting()
        .until(
            d -> {
              driver.findElement(By.cssSelector(css)).click();
              return true;
            });
  }

  public String heading() {
    return find("h1").getText();
  }

  public String path() {
    return java.net.URI.create(driver.getCurrentUrl()).getPath();
  }

  /** Runs axe-core on the page; fails on any serious or critical violation. */
  public void accessible(String screen) {
    Results r = new AxeBuilder().withTags(AXE_TAGS).analyze(driver);
    List<Rule> bad =
        r.getViolations().stream()
            .filter(v -> "serious".equals(v.getImpact()) || "critical".equals(v.getImpact()))
            .toList();
    if (!bad.isEmpty()) {
      fail(
          "axe-core on "
              + screen
              + ": "
              + bad.stream()
                  .map(
                      v ->
                          v.getImpact()
                              + " "
                              + v.getId()
                              + " ("
                              + v.getHelp()
                              + ") at "
                              + v.getNodes().stream()
                                  .map(n -> String.valueOf(n.getTarget()))
                                  .collect(Collectors.joining(", ")))
                  .collect(Collectors.joining("; ")));
    }
  }

  /** Saves a screenshot of the window as {@code target/studio-screenshots/<name>.png}. */
  public Path screenshot(String name) {
    File shot = driver.getScreenshotAs(OutputType.FILE);
    Path to = SCREENSHOTS.resolve(name + ".png");
    try {
      Files.copy(shot.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return to;
  }

  /** Checks the screen with axe-core and saves its screenshot. */
  public void check(String screen) {
    accessible(screen);
    screenshot(screen);
  }

  /** Forgets every cookie: the next page is seen as by someone else. */
  public void forgetCookies() {
    driver.manage().deleteAllCookies();
  }

  @Override
  public void close() {
    driver.quit();
    try (var files = Files.walk(profile)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a left-over profile under target/ is harmless
    }
  }
}
