package io.philotes.source;

import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

import javax.net.ssl.SSLException;

import io.philotes.net.HostPolicy;
import org.postgresql.Driver;
import io.philotes.net.PinnedSocketFactory;

/**
 * Opens JDBC connections to source databases, only to addresses the host policy approved and only with
 * settings this class chooses: no URL or driver property ever comes from a client. Every wait is bounded
 * by socket time-outs rather than pgjdbc's login time-out, which would cost a platform thread per attempt.
 */
public final class SourceConnector {
    private static final Driver DRIVER = new Driver();
    private final HostPolicy policy;

    public SourceConnector(HostPolicy policy) {
        this.policy = policy;
    }

    /**
     * Resolves and checks a host.
     *
     * @param host host name or IP literal
     * @return the address to connect to
     * @throws SourceFailure with cause {@code unknown host} or {@code denied}
     */
    public InetAddress resolve(String host) {
        try {
            return policy.check(host);
        } catch (UnknownHostException e) {
            throw new SourceFailure(SourceFailure.Cause.UNKNOWN_HOST, "unknown host " + host + ": it does not resolve");
        } catch (HostPolicy.HostDeniedException e) {
            throw new SourceFailure(SourceFailure.Cause.DENIED, e.getMessage());
        }
    }

    /**
     * Connects to a source.
     *
     * @param spec        where and as whom
     * @param address     the approved address to connect to
     * @param timeout     bound on connecting and on each read
     * @param replication whether to open a logical replication connection
     * @return an open connection
     * @throws SourceFailure naming the cause
     */
    public Connection connect(SourceSpec spec, InetAddress address, Duration timeout, boolean replication) {
        Properties p = new Properties();
        p.setProperty("user", spec.username());
        p.setProperty("password", spec.password());
        p.setProperty("sslmode", spec.sslMode());
        p.setProperty("ApplicationName", "philotes");
        long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
        p.setProperty("connectTimeout", String.valueOf(seconds));
        p.setProperty("socketTimeout", String.valueOf(seconds));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("logServerErrorDetail", "false");
        p.setProperty("socketFactory", PinnedSocketFactory.class.getName());
        p.setProperty("socketFactoryArg", address.getHostAddress());
        if (replication) {
            p.setProperty("replication", "database");
            p.setProperty("preferQueryMode", "simple");
            p.setProperty("assumeMinServerVersion", "12");
        }
        try {
            // The driver directly: DriverManager checks every registered driver against the caller's class
            // loader on each call, which adds up in a storm of connection tests.
            Connection connection = DRIVER.connect(url(spec), p);
            if (connection == null) {
                throw new SQLException("The PostgreSQL driver did not accept the URL");
            }
            return connection;
        } catch (SQLException e) {
            throw classify(e, spec, address, timeout);
        }
    }

    static SourceFailure classify(Throwable error, SourceSpec spec, InetAddress address, Duration timeout) {
        String host = address == null ? spec.host() : address.getHostAddress();
        String target = (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + spec.port();
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.equals("28P01") || state.equals("28000")) {
                    return new SourceFailure(SourceFailure.Cause.AUTHENTICATION, "authentication failed for user \"" + spec.username() + "\"");
                }
                if (state.equals("3D000")) {
                    return new SourceFailure(SourceFailure.Cause.NO_DATABASE, "database \"" + spec.database() + "\" does not exist");
                }
            }
            if (t instanceof ConnectException) {
                return new SourceFailure(SourceFailure.Cause.REFUSED, "connection refused by " + target);
            }
            if (t instanceof NoRouteToHostException) {
                return new SourceFailure(SourceFailure.Cause.REFUSED, "no route to " + target);
            }
            if (t instanceof SocketTimeoutException) {
                return new SourceFailure(SourceFailure.Cause.TIMEOUT, "timed out after " + timeout.toMillis() + " ms talking to " + target);
            }
            if (t instanceof SSLException) {
                return new SourceFailure(SourceFailure.Cause.TLS, "TLS failed with " + target + ": " + t.getMessage());
            }
        }
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        if (message.contains("does not support SSL")) {
            return new SourceFailure(SourceFailure.Cause.TLS, "TLS failed: the server at " + target + " does not support SSL");
        }
        return new SourceFailure(SourceFailure.Cause.OTHER, message);
    }

    private static String url(SourceSpec spec) {
        String host = spec.host().contains(":") && !spec.host().startsWith("[") ? "[" + spec.host() + "]" : spec.host();
        return "jdbc:postgresql://" + host + ":" + spec.port() + "/"
                + URLEncoder.encode(spec.database(), StandardCharsets.UTF_8).replace("+", "%20");
    }
}
