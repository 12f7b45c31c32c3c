package io.philotes.console;

import java.util.List;

import io.philotes.support.ApiClient;
import io.philotes.support.Browser;
import io.philotes.support.PhilotesTest;
import io.philotes.support.PipelineEvents;
import io.philotes.support.SourceJson;
import io.philotes.support.SourceServers;
import io.philotes.support.TestApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The console in a real browser (headless Chromium) against a real service and a real source PostgreSQL: the whole
 * path from sign-in to a captured row, what a viewer is offered, hostile names, a wrong key, and a narrow screen.
 * Every page is checked for unlabelled controls and for anything the browser logged (a Content-Security-Policy
 * violation or a script error would be), and its screenshot is saved under target/console/.
 */
@DisabledIfSystemProperty(named = "console.browser.skip", matches = "true")
@PhilotesTest
class ConsoleBrowserTest {
    private static final long WAIT_MILLIS = 30_000;
    private static SourceServers.Server server;
    private static TestApp app;
    private static ApiClient api;
    private Browser browser;

    @BeforeAll
    static void start(TestApp started, SourceServers.Server source) {
        app = started;
        api = app.client();
        server = source;
    }

    @BeforeEach
    void openBrowser() {
        browser = Browser.open(app.port(), 1280, 900);
    }

    @AfterEach
    void closeBrowser() {
        browser.close();
    }

    /* The page's checks: every control labelled, nothing logged by the browser; then its screenshot. */
    private void page(String screenshot) {
        assertThat("unlabelled controls on " + screenshot, browser.unlabelled(), is(empty()));
        assertThat("browser log on " + screenshot, browser.problems(), is(empty()));
        browser.screenshot(screenshot);
    }

    /* A new database with the given tables on the source server, registered as a source (as its superuser); its id. */
    private static String source(String name, String ddl) {
        String db = server.createDatabase();
        if (!ddl.isEmpty()) {
            server.execute(db, ddl);
        }
        ApiClient.Response r = api.post("/api/v1/sources", SourceJson.on(server, db, "postgres", "").add("name", name).build().toString());
        assertThat(r.toString(), r.status(), is(201));
        return r.json().getJsonObject("source").getString("id");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /* The value of a fact on a page (a dd after its dt). */
    private static By fact(String term) {
        return By.xpath("//dt[normalize-space(.)='" + term + "']/following-sibling::dd[1]");
    }

    private void signIn(String key) {
        browser.go("");
        browser.signIn(key);
        browser.visible(By.id("who-text"));
    }

    @Test
    void wholePathFromSignInToACapturedRow() {
        String db = server.createDatabase();
        server.execute(db, """
                CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
                CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, total numeric(10,2));
                CREATE TABLE audit_trail (id bigserial PRIMARY KEY, note text);
                INSERT INTO customers VALUES (1, 'Ada'), (2, 'Grace');
                INSERT INTO orders VALUES (10, 1, 9.99);
                ANALYZE""");

        browser.go("");
        browser.visible(By.id("key"));
        page("sign-in");
        browser.signIn(TestApp.ADMIN_KEY);
        browser.text(By.id("who-text"), "admin");

        // Step 1: a source, with a field error shown next to its field first.
        browser.click("Get started");
        browser.fill("Name", "shop");
        browser.fill("Host", "127.0.0.1");
        browser.fill("Port", "70000");
        browser.fill("Database", db);
        browser.fill("User name", "postgres");
        browser.click("Create source");
        WebElement portError = browser.visible(By.cssSelector("input[name=port][aria-invalid=true] ~ .field-error"));
        assertThat(portError.getText(), not(emptyString()));
        page("onboarding-field-error");
        browser.fill("Port", String.valueOf(server.port()));
        browser.driver().findElement(By.name("ssl_mode")).sendKeys("disable");
        browser.click("Create source");
        browser.text(By.cssSelector(".report .verdict"), "Ready for change-data-capture");
        assertThat(browser.driver().findElements(By.cssSelector(".checks > li")).size(), is(11));
        page("connection-report");

        // Step 2: discovery, two tables picked.
        browser.click("Next: pick tables");
        browser.visible(By.id("pick-public.customers")).click();
        browser.visible(By.id("pick-public.orders")).click();
        browser.text(By.cssSelector(".picker .summary"), "2 of 3 tables picked");
        page("discovery");

        // Step 3: the pipeline, created and started.
        browser.click("Next: name the pipeline");
        browser.fill("Pipeline name", "shop-cdc");
        page("onboarding-pipeline");
        browser.click("Create and start");
        browser.text(By.cssSelector("#page h1"), "shop-cdc");
        String hash = (String) browser.script("return location.hash");
        String path = "/api/v1/pipelines/" + hash.substring(hash.lastIndexOf('/') + 1);
        PipelineEvents.awaitStatus(api, path, "running", WAIT_MILLIS);
        PipelineEvents.awaitCopied(api, path, WAIT_MILLIS);

        // A row inserted on the source appears on the pipeline's page and in the event browser.
        server.execute(db, "INSERT INTO customers VALUES (3, 'Margaret')");
        PipelineEvents.await(api, path, 4, WAIT_MILLIS);
        browser.exact(fact("Status"), "running");
        browser.exact(fact("Events stored"), "4");
        // Orders keep coming for a few polls: the chart draws their rate.
        for (int round = 1; round <= 4; round++) {
            server.execute(db, "INSERT INTO orders SELECT g, 1, g FROM generate_series(%d, %d) g".formatted(round * 100, round * 100 + 24 * round));
            sleep(2_100);
        }
        browser.exact(fact("Events stored"), String.valueOf(4 + 25 + 49 + 73 + 97));
        browser.visible(By.cssSelector("figure.chart-box svg polyline"));
        assertThat((String) browser.script("return document.querySelector('figure.chart-box svg').getAttribute('aria-label')"),
                   containsString("Events per second"));
        page("pipeline");

        browser.visible(By.cssSelector(".links a[href$='/events']")).click();
        browser.text(By.cssSelector(".events"), "public.customers");
        WebElement margaret = browser.visible(By.xpath("//ol[@class='events']/li[.//summary[contains(., 'insert')"
                                                       + " and contains(., 'public.customers')]]"));
        margaret.findElement(By.tagName("summary")).click();
        assertThat(margaret.findElement(By.cssSelector("pre.json")).getText(), containsString("\"Margaret\""));
        new Select(browser.driver().findElement(By.name("op"))).selectByValue("snapshot");
        browser.click("Show");
        browser.text(By.cssSelector("[role=status].summary"), "Events 1 to 3");
        assertThat(browser.driver().findElement(By.cssSelector(".events")).getText(), not(containsString("insert")));
        page("events");

        browser.go(hash + "/delivery");
        browser.text(By.id("sinks-title"), "Webhook sinks");
        page("delivery");

        // Stop, from the pipeline's page.
        browser.go(hash);
        browser.click("Stop");
        browser.exact(fact("Status"), "stopped");
        PipelineEvents.awaitStatus(api, path, "stopped", WAIT_MILLIS);

        // The list follows the pipeline's state by itself.
        browser.click("Pipelines");
        By state = By.xpath("//tr[td/a[normalize-space(.)='shop-cdc']]/td[2]");
        browser.exact(state, "stopped");
        page("pipelines");
        assertThat(api.post(path + "/start", "").status(), is(200));
        browser.exact(state, "running");
        assertThat(api.post(path + "/stop", "").status(), is(200));
        browser.exact(state, "stopped");

        browser.click("Sources");
        browser.text(By.cssSelector("table"), "shop");
        page("sources");
        browser.click("Keys");
        browser.visible(By.cssSelector("table"));
        page("keys");
        browser.click("Audit log");
        browser.text(By.cssSelector("table"), "/api/v1/pipelines");
        // One row per entry, each with its eight cells under their headers.
        assertThat(browser.script("const t = document.querySelector('#page table'); return t.tBodies.length === 1 && t.tBodies[0].rows.length > 5"
                                  + " && [...t.rows].every(r => r.cells.length === 8)"), is(true));
        page("audit");
    }

    @Test
    void aViewerIsOfferedNoWriteControlsAndNoEvents() {
        String sourceId = source("viewed", "CREATE TABLE items (id int PRIMARY KEY)");
        ApiClient.Response p = api.post("/api/v1/pipelines", """
                {"name":"viewed-pipeline","source_id":"%s","tables":[{"table":"items"}]}""".formatted(sourceId));
        String pipelineId = p.json().getJsonObject("pipeline").getString("id");
        // The key is made in the console by an admin, which shows it once.
        signIn(TestApp.ADMIN_KEY);
        browser.click("Keys");
        browser.fill("Name", "console-viewer");
        new Select(browser.visible(By.name("role"))).selectByValue("viewer");
        browser.click("Create key");
        String key = browser.visible(By.cssSelector(".notice pre code")).getText();
        assertThat(key, matchesPattern("phk_[A-Za-z0-9]{12}_[A-Za-z0-9]{43}"));
        assertThat(api.withKey(key).get("/api/v1/me").json().getString("role"), is("viewer"));
        page("key-created");
        browser.go("#/sources");
        browser.go("#/keys");
        browser.text(By.cssSelector("table"), "console-viewer");
        assertThat(browser.has(By.cssSelector(".notice")), is(false));
        browser.click("Sign out");

        signIn(key);
        browser.text(By.id("who-text"), "console-viewer (viewer)");
        List<String> nav = browser.driver().findElements(By.cssSelector("#nav a")).stream().map(WebElement::getText).toList();
        assertThat(nav, is(List.of("Sources", "Pipelines")));
        browser.go("#/pipelines/" + pipelineId);
        browser.exact(fact("Status"), "stopped");
        for (String write : List.of("Start", "Stop", "Resnapshot", "Delete", "Events")) {
            assertThat(write + " offered to a viewer", browser.has(By.xpath("//*[self::button or self::a][normalize-space(.)='" + write + "']")),
                       is(false));
        }
        assertThat(browser.has(By.xpath("//button[starts-with(normalize-space(.), 'Disable')]")), is(false));
        page("viewer-pipeline");
        browser.go("#/sources/" + sourceId);
        browser.text(By.cssSelector("#page h1"), "viewed");
        for (String write : List.of("Edit", "Delete", "Test connection", "Discover tables")) {
            assertThat(write + " offered to a viewer", browser.has(By.xpath("//*[self::button or self::a][normalize-space(.)='" + write + "']")),
                       is(false));
        }
        // The events' address sends a viewer home instead of asking for what it may not read.
        browser.go("#/pipelines/" + pipelineId + "/events");
        browser.text(By.cssSelector("#page h1"), "Pipelines");
        assertThat(browser.has(By.cssSelector(".events")), is(false));
        assertThat(browser.problems(), is(empty()));
    }

    @Test
    void hostileNamesAndValuesAreShownAsTextAndRunNothing() {
        String hostile = "<img src=x onerror=alert(1)>";
        String table = "<svg onload=alert(2)>";
        String value = "<script>alert(3)</script><img src=x onerror=alert(4)>";
        String id = source(hostile, "CREATE TABLE \"" + table + "\" (id int PRIMARY KEY, note text); INSERT INTO \"" + table + "\" VALUES (1, '"
                + value + "')");
        String pipeline = "/api/v1/pipelines/" + api.post("/api/v1/pipelines", """
                {"name":"%s","source_id":"%s","tables":[{"table":"%s"}]}""".formatted(hostile, id, table))
                .json().getJsonObject("pipeline").getString("id");
        assertThat(api.post(pipeline + "/start", "").status(), is(200));
        PipelineEvents.await(api, pipeline, 1, WAIT_MILLIS);
        api.post("/api/v1/keys", "{\"name\":\"" + table + "\",\"role\":\"viewer\"}");

        signIn(TestApp.ADMIN_KEY);
        browser.go("#/sources");
        browser.text(By.cssSelector("table"), hostile);
        browser.go("#/sources/" + id);
        browser.text(By.cssSelector("#page h1"), hostile);
        browser.click("Discover tables");
        browser.text(By.cssSelector("table"), table);
        browser.go("#" + pipeline.substring("/api/v1".length()));
        browser.text(By.cssSelector("#page h1"), hostile);
        browser.text(By.cssSelector("#page table"), table);
        browser.go("#" + pipeline.substring("/api/v1".length()) + "/events");
        WebElement event = browser.visible(By.cssSelector(".events > li"));
        assertThat(event.getText(), containsString(table));
        event.findElement(By.tagName("summary")).click();
        assertThat(event.findElement(By.cssSelector("pre.json")).getText(), containsString(value));
        page("hostile-event");
        browser.go("#/keys");
        browser.text(By.cssSelector("table"), table);
        assertThat(browser.driver().findElements(By.cssSelector("#page img, #page script, #page svg")), is(empty()));
        assertThrows(NoAlertPresentException.class, () -> browser.driver().switchTo().alert());
        api.post(pipeline + "/stop", "");
        page("hostile-name");
    }

    @Test
    void editingTheEndpointAsksForThePasswordAgain() {
        String id = source("to-edit", "");
        signIn(TestApp.ADMIN_KEY);
        browser.go("#/sources/" + id + "/edit");
        WebElement password = browser.visible(By.name("password"));
        assertThat(password.getAttribute("type"), is("password"));
        assertThat(password.getAttribute("value"), is(""));
        assertThat(password.getAttribute("required"), is((String) null));
        browser.fill("Port", "6543");
        assertThat(password.getAttribute("required"), is("true"));
        browser.click("Save");
        WebElement error = browser.visible(By.cssSelector("input[name=password][aria-invalid=true] ~ .field-error"));
        assertThat(error.getText(), not(emptyString()));
        assertThat(api.get("/api/v1/sources/" + id).json().getJsonObject("source").getInt("port"), is(server.port()));
        page("source-edit-password");

        browser.fill("Port", String.valueOf(server.port()));
        browser.fill("Name", "edited");
        browser.click("Save");
        browser.text(By.cssSelector("#page h1"), "edited");
        assertThat(api.get("/api/v1/sources/" + id).json().getJsonObject("source").getString("name"), is("edited"));
    }

    @Test
    void deletingAsksFirstAndWorksByKeyboard() {
        String id = source("to-delete", "");
        signIn(TestApp.ADMIN_KEY);
        browser.go("#/sources/" + id);
        browser.text(By.cssSelector("#page h1"), "to-delete");
        // The skip link moves the focus to the page, and stays on it.
        browser.driver().findElement(By.cssSelector(".skip")).sendKeys(Keys.ENTER);
        assertThat(browser.driver().switchTo().activeElement().getAttribute("id"), is("main"));
        assertThat((String) browser.script("return location.hash"), is("#/sources/" + id));
        browser.control("Delete").sendKeys(Keys.ENTER);
        WebElement dialog = browser.visible(By.cssSelector("dialog[open]"));
        assertThat(dialog.getText(), containsString("Delete source to-delete?"));
        assertThat(browser.driver().switchTo().activeElement().getText(), is("Cancel"));
        page("delete-confirmation");
        browser.driver().switchTo().activeElement().sendKeys(Keys.ESCAPE);
        browser.gone(By.cssSelector("dialog[open]"));
        assertThat(api.get("/api/v1/sources/" + id).status(), is(200));

        browser.control("Delete").sendKeys(Keys.ENTER);
        browser.visible(By.cssSelector("dialog[open]"));
        browser.driver().switchTo().activeElement().sendKeys(Keys.TAB);
        browser.driver().switchTo().activeElement().sendKeys(Keys.ENTER);
        browser.text(By.cssSelector("#page h1"), "Sources");
        assertThat(api.get("/api/v1/sources/" + id).status(), is(404));
        assertThat(browser.problems(), is(empty()));
    }

    @Test
    void aFailedCheckShowsItsFixWithACopyButton() {
        String db = server.createDatabase();
        String user = server.createRole("console-pw", false);
        ApiClient.Response r = api.post("/api/v1/sources", SourceJson.on(server, db, user, "console-pw").add("name", "no-replication")
                .build().toString());
        String id = r.json().getJsonObject("source").getString("id");
        signIn(TestApp.ADMIN_KEY);
        browser.go("#/sources/" + id);
        browser.click("Test connection");
        browser.text(By.cssSelector(".report .verdict"), "not ready");
        WebElement failed = browser.visible(By.cssSelector(".check-fail"));
        assertThat(failed.getText(), containsString("replication privilege"));
        WebElement fix = failed.findElement(By.cssSelector(".remediation pre code"));
        assertThat(fix.getText(), containsString("ALTER ROLE"));
        browser.script("arguments[0].scrollIntoView({block: 'center'})", failed);
        failed.findElement(By.cssSelector(".remediation button")).click();
        browser.visible(By.cssSelector(".check-fail .copied:not(:empty)"));
        page("report-with-fix");
    }

    @Test
    void aWrongKeyShowsWhatThe401Says() {
        String wrong = "phk_AAAAAAAAAAAA_" + "b".repeat(43);
        ApiClient.Response expected = api.withKey(wrong).get("/api/v1/me");
        assertThat(expected.status(), is(401));

        browser.go("");
        browser.signIn(wrong);
        WebElement problem = browser.visible(By.id("sign-in-problem"));
        assertThat(problem.getText(), containsString(expected.json().getString("title")));
        assertThat(problem.getText(), containsString(expected.json().getString("detail")));
        assertThat(browser.script("return sessionStorage.length"), is(0L));
        assertThat((String) browser.script("return location.href"), not(containsString(wrong)));
        page("wrong-key");

        // A right key signs in; signing out forgets it.
        browser.signIn(TestApp.ADMIN_KEY);
        browser.text(By.id("who-text"), "admin");
        browser.click("Sign out");
        browser.visible(By.id("key"));
        assertThat(browser.script("return sessionStorage.length"), is(0L));
    }

    @Test
    void everyPageFitsA360PixelScreen() {
        String sourceId = source("narrow", "CREATE TABLE narrow_items (id int PRIMARY KEY, label text)");
        browser.resize(360, 740);
        signIn(TestApp.ADMIN_KEY);
        for (String hash : List.of("#/sources", "#/sources/" + sourceId, "#/sources/" + sourceId + "/tables", "#/onboard", "#/pipelines",
                                   "#/keys", "#/audit")) {
            browser.go(hash);
            browser.visible(By.cssSelector("#page h1"));
            browser.settled();
            assertThat("horizontal overflow on " + hash + ": " + browser.overflowing(), browser.overflow(), is(0L));
            assertThat("unlabelled controls on " + hash, browser.unlabelled(), is(empty()));
        }
        browser.go("#/sources/" + sourceId);
        browser.click("Test connection");
        browser.visible(By.cssSelector(".checks"));
        assertThat("horizontal overflow: " + browser.overflowing(), browser.overflow(), is(0L));
        page("narrow-connection-report");
    }
}
