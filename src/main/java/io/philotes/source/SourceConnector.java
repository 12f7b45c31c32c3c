package io.philotes.source;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

import javax.net.ssl.SSLException;

import io.philotes.db.DatabaseErrors;
import io.philotes.net.HostPolicy;
import io.philotes.net.OwnEndpoints;
import io.philotes.net.PinnedSocketFactory;
import org.postgresql.Driver;

/**
 * Opens JDBC connections to source databases, only to addresses the host policy approved and only with
 * settings this class chooses: no URL or driver property ever comes from a client. Every wait is bounded
 * by socket time-outs rather than pgjdbc's login time-out, which would cost a platform thread per attempt.
 */
public final class SourceConnector {
    private static final Driver DRIVER = new Driver();
    private final HostPolicy policy;
    private final OwnEndpoints own;

    public SourceConnector(HostPolicy policy, OwnEndpoints own) {
        this.policy = policy;
        this.own = own;
    }

    /**
     * Resolves and checks a source's host, and that its endpoint is not one of the service's own.
     *
     * @param spec the source
     * @return the address to connect to
     * @throws SourceFailure with cause {@code unknown host} or {@code denied}
     */
    public InetAddress approve(SourceSpec spec) {
        InetAddress address = resolve(spec.host());
        own.refusal(address, spec.port(), spec.database()).ifPresent(reason -> {
            throw new SourceFailure(SourceFailure.Cause.DENIED, reason);
        });
        return address;
    }

    /**
     * Resolves and checks a host.
     *
     * @param host host name or IP literal
     * @return the address to connect to
     * @throws SourceFailure with cause {@code unknown host} or {@code denied}
     */
    private InetAddress resolve(String host) {
        try {
            return policy.check(host);
        } catch (UnknownHostException e) {
            throw new SourceFailure(SourceFailure.Cause.UNKNOWN_HOST, "unknown host " + host + ": it does not resolve");
        } catch (HostPolicy.HostDeniedException e) {
            throw new SourceFailure(SourceFailure.Cause.DENIED, e.getMessage());
        }
    }

    /**
     * Connects to a source and logs in.
     *
     * @param spec        where and as whom
     * @param address     the approved address to connect to
     * @param timeout     bound on connecting and on each read
     * @param replication whether to open a logical replication connection
     * @return an open connection
     * @throws SourceFailure naming the cause
     */
    public Connection connect(SourceSpec spec, InetAddress address, Duration timeout, boolean replication) {
        return login(spec, open(spec, address, timeout), timeout, replication);
    }

    /**
     * Opens the TCP connection to a source.
     *
     * @param spec    the source (its port, and names for messages)
     * @param address the approved address to connect to
     * @param timeout bound on connecting
     * @return the connected socket
     * @throws SourceFailure naming the cause
     */
    public Socket open(SourceSpec spec, InetAddress address, Duration timeout) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(address, spec.port()), (int) Math.max(1, timeout.toMillis()));
            return socket;
        } catch (IOException e) {
            abort(socket);
            throw classify(e, spec, address, timeout);
        }
    }

    /**
     * Logs in over a connected socket, which the connection then owns; on failure the socket is closed.
     *
     * @param spec        where and as whom
     * @param socket      a socket from {@link #open}
     * @param timeout     bound on each read
     * @param replication whether to open a logical replication connection
     * @return an open connection
     * @throws SourceFailure naming the cause
     */
    public Connection login(SourceSpec spec, Socket socket, Duration timeout, boolean replication) {
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
        // Results in PostgreSQL's text forms (the types' output functions), as logical decoding sends them.
        p.setProperty("binaryTransfer", "false");
        if (replication) {
            p.setProperty("replication", "database");
            p.setProperty("preferQueryMode", "simple");
            p.setProperty("assumeMinServerVersion", "12");
        }
        try (PinnedSocketFactory.Ticket ticket = PinnedSocketFactory.handOver(socket)) {
            p.setProperty("socketFactoryArg", ticket.argument());
            // The driver directly: DriverManager checks every registered driver against the caller's class
            // loader on each call, which adds up in a storm of connection tests.
            Connection connection = DRIVER.connect(url(spec), p);
            if (connection == null) {
                throw new SQLException("The PostgreSQL driver did not accept the URL");
            }
            return connection;
        } catch (SQLException e) {
            abort(socket);
            throw classify(e, spec, socket.getInetAddress(), timeout);
        }
    }

    /**
     * Drops a connection at once: a reset rather than an orderly close, so that neither side keeps the
     * connection around (an orderly close leaves it in FIN-WAIT for a minute while the peer stays silent,
     * and a storm of abandoned tests would use up the local ports). Any thread blocked on it fails.
     *
     * @param socket the socket
     */
    public static void abort(Socket socket) {
        try (socket) {
            if (!socket.isClosed()) {
                socket.setSoLinger(true, 0);
            }
        } catch (IOException ignored) {
            // closing anyway
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
        // DbClient wraps the driver's exception in one that only says a statement failed; the driver's says why.
        Throwable cause = DatabaseErrors.driverException(error).<Throwable>map(sql -> sql).orElse(error);
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
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
