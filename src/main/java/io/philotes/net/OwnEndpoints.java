package io.philotes.net;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * The service's own endpoints, which no source may be, whatever the host policy allows: the metadata
 * database (the embedded server with every database on it, which is private to the service; or the external
 * metadata database itself, whose event store a pipeline would feed on; another database on that server stays
 * allowed), and the service's own HTTP port.
 */
public final class OwnEndpoints {
    private final List<Target> metadata;
    private volatile int httpPort;

    /**
     * The endpoints.
     *
     * @param metadata the metadata database's endpoints
     * @param httpPort the API's port, 0 until it is known
     */
    public OwnEndpoints(List<Target> metadata, int httpPort) {
        this.metadata = List.copyOf(metadata);
        this.httpPort = httpPort;
    }

    /**
     * The API's port, once the server listens (it may have been chosen at start).
     *
     * @param port the port
     */
    public void listening(int port) {
        httpPort = port;
    }

    /**
     * Why a source may not use an endpoint.
     *
     * @param address  the address the source resolves to
     * @param port     its port
     * @param database its database
     * @return the reason, empty when the endpoint is not one of the service's own
     */
    public Optional<String> refusal(InetAddress address, int port, String database) {
        if (port == httpPort && local(address)) {
            return Optional.of(address.getHostAddress() + ":" + port + " is this service's own HTTP port");
        }
        for (Target t : metadata) {
            if (t.port() == port && (t.database() == null || t.database().equals(database)) && sameHost(t.host(), address)) {
                return Optional.of(t.database() == null
                        ? address.getHostAddress() + ":" + port + " is the embedded metadata database of this service, which is private to it"
                        : "database " + database + " at " + address.getHostAddress() + ":" + port + " is this service's own metadata database;"
                          + " capturing it would feed the event store on itself (another database on that server is allowed)");
            }
        }
        return Optional.empty();
    }

    private static boolean sameHost(String host, InetAddress address) {
        try {
            for (InetAddress candidate : InetAddress.getAllByName(host)) {
                if (candidate.equals(address) || local(candidate) && local(address)) {
                    return true;
                }
            }
            return false;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /* An address of this machine: loopback, the wildcard, or one of its interfaces. */
    private static boolean local(InetAddress address) {
        try {
            return address.isLoopbackAddress() || address.isAnyLocalAddress() || NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /**
     * One endpoint of the metadata database.
     *
     * @param host     its host name or address
     * @param port     its port
     * @param database its database, or null for every database on the server
     */
    public record Target(String host, int port, String database) {
    }
}
