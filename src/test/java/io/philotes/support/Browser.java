package io.philotes.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.stream.Stream;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium (the Debian packages {@code chromium} and {@code chromium-driver}) driven through Selenium,
 * pointed at a running service's console. It collects what the browser logs, so a test can require that no page
 * broke its Content-Security-Policy or threw, and saves screenshots under {@code target/console/}.
 */
public final class Browser implements AutoCloseable {
    /** Where screenshots go. */
    public static final Path SCREENSHOTS = Path.of("target", "console");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ChromeDriver driver;
    private final String base;
    private final List<String> logged = new ArrayList<>();

    private Browser(ChromeDriver driver, String base) {
        this.driver = driver;
        this.base = base;
    }

    /**
     * Whether the browser and its driver are installed, or why not.
     *
     * @return the reason they cannot be used, empty when they can
     */
    public static Optional<String> missing() {
        if (binary("CHROME_BIN", "chromium", "chromium-browser", "google-chrome").isEmpty()) {
            return Optional.of("no Chromium: install the Debian package chromium (or set CHROME_BIN)");
        }
        if (binary("CHROMEDRIVER", "chromedriver").isEmpty()) {
            return Optional.of("no ChromeDriver: install the Debian package chromium-driver (or set CHROMEDRIVER)");
        }
        return Optional.empty();
    }

    /**
     * Opens a browser window of a given size on a service's console.
     *
     * @param port   the service's port
     * @param width  window width in CSS pixels
     * @param height window height
     * @return the browser
     */
    public static Browser open(int port, int width, int height) {
        missing().ifPresent(why -> {
            throw new IllegalStateException("The console's browser tests need " + why
                    + "; -Dconsole.browser.skip=true leaves them out");
        });
        ChromeOptions options = new ChromeOptions();
        options.setBinary(binary("CHROME_BIN", "chromium", "chromium-browser", "google-chrome").orElseThrow().toFile());
        // --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                             "--disable-extensions", "--lang=en-US", "--window-size=" + width + "," + height);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(binary("CHROMEDRIVER", "chromedriver").orElseThrow().toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(width, height));
        return new Browser(driver, "http://127.0.0.1:" + port);
    }

    /* An executable named by an environment variable, else the first of the names found on the PATH. */
    private static Optional<Path> binary(String variable, String... names) {
        String named = System.getenv(variable);
        if (named != null && !named.isBlank()) {
            return Optional.of(Path.of(named)).filter(Files::isExecutable);
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
        return Stream.of(path.split(":")).flatMap(dir -> Stream.of(names).map(n -> Path.of(dir, n))).filter(Files::isExecutable).findFirst();
    }

    /* A wait that looks again when the page re-rendered what it was looking at (the live pages do, every 2 s). */
    private WebDriverWait waiting() {
        WebDriverWait wait = new WebDriverWait(driver, WAIT);
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    public ChromeDriver driver() {
        return driver;
    }

    /**
     * Goes to a page of the console.
     *
     * @param hash the route, e.g. {@code #/sources}; empty for the console's start
     */
    public void go(String hash) {
        driver.get(base + "/ui/" + hash);
    }

    /**
     * Signs in on the form shown, by keyboard: the key typed, then Enter.
     *
     * @param key the API key
     */
    public void signIn(String key) {
        WebElement input = visible(By.id("key"));
        input.clear();
        input.sendKeys(key + "\n");
    }

    /**
     * Waits for an element to be visible.
     *
     * @param by how to find it
     * @return the element
     */
    public WebElement visible(By by) {
        return waiting().until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /**
     * Waits until an element holds a text.
     *
     * @param by   how to find it
     * @param text what it must contain
     * @return the element
     */
    public WebElement text(By by, String text) {
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(by, text));
        return driver.findElement(by);
    }

    /**
     * Waits until an element's whole text is a value.
     *
     * @param by   how to find it
     * @param text the text
     */
    public void exact(By by, String text) {
        waiting().until(d -> d.findElements(by).stream().anyMatch(e -> e.getText().strip().equals(text)));
    }

    /** Waits until the page says it is loading nothing (its "Asking…" and "Testing…" notes are gone). */
    public void settled() {
        waiting().until(d -> Boolean.TRUE.equals(script(
                "const v = document.querySelector('.view'); return v !== null && !v.textContent.includes('\u2026')")));
    }

    /**
     * A button or link by its visible text.
     *
     * @param text its text
     * @return the element, once visible
     */
    public WebElement control(String text) {
        String literal = text.contains("'") ? "concat('" + text.replace("'", "', \"'\", '") + "')" : "'" + text + "'";
        return visible(By.xpath("//*[self::button or self::a][normalize-space(.)=" + literal + "]"));
    }

    public void click(String text) {
        WebElement control = control(text);
        waiting().until(ExpectedConditions.elementToBeClickable(control)).click();
    }

    /**
     * Fills a form field by its label's text.
     *
     * @param label the label
     * @param value what to type (the field is cleared first)
     */
    public void fill(String label, String value) {
        WebElement labelElement = visible(By.xpath("//label[normalize-space(.)='" + label + "']"));
        WebElement input = driver.findElement(By.id(labelElement.getAttribute("for")));
        input.clear();
        input.sendKeys(value);
    }

    /**
     * Waits until no element matches.
     *
     * @param by how to find them
     */
    public void gone(By by) {
        waiting().until(d -> d.findElements(by).isEmpty());
    }

    /**
     * Whether some element matches.
     *
     * @param by how to find it
     * @return true when one is on the page
     */
    public boolean has(By by) {
        return !driver.findElements(by).isEmpty();
    }

    public Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    /**
     * The controls on the page without a label (an input, select or textarea with no label and no aria-label).
     *
     * @return a description of each
     */
    @SuppressWarnings("unchecked")
    public List<String> unlabelled() {
        return (List<String>) script("return [...document.querySelectorAll('input, select, textarea')]"
                + ".filter(c => c.type !== 'hidden' && c.labels.length === 0 && !c.getAttribute('aria-label'))"
                + ".map(c => c.outerHTML)");
    }

    /**
     * What the browser logged at warning level or above since the last call (CSP violations, script errors, failed
     * loads), with the API's own refusals left out: a 4xx of an API call the page made and then showed is not a fault
     * (a 404 of one of the console's own files is).
     *
     * @return the entries
     */
    public List<String> problems() {
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            boolean apiRefusal = e.getMessage().contains(base + "/api/") && e.getMessage().contains("the server responded with a status of 4");
            if (e.getLevel().intValue() >= Level.WARNING.intValue() && !apiRefusal) {
                logged.add(e.getLevel() + " " + e.getMessage());
            }
        }
        List<String> result = List.copyOf(logged);
        logged.clear();
        return result;
    }

    /**
     * Saves what the window shows.
     *
     * @param name file name without extension
     * @return the file
     */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Resizes the window (CSS pixels).
     *
     * @param width  width
     * @param height height
     */
    public void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /**
     * The page's horizontal overflow: how much wider the document is than the window (0 when it fits).
     *
     * @return pixels
     */
    public long overflow() {
        return (Long) script("return Math.max(0, document.documentElement.scrollWidth - window.innerWidth)");
    }

    /**
     * The elements that reach past the window's right edge (outside a scrolling box), for a message.
     *
     * @return each as tag.class and its right edge
     */
    @SuppressWarnings("unchecked")
    public List<String> overflowing() {
        return (List<String>) script("return [...document.querySelectorAll('body *')]"
                + ".filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > window.innerWidth + 1)"
                + ".slice(-8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))");
    }

    @Override
    public void close() {
        driver.quit();
    }
}
