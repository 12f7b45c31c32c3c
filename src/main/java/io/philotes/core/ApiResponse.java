package io.philotes.core;

import java.util.OptionalInt;
import java.util.function.Function;

import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;

/**
 * What a handler answers: a status, a JSON body (none for 204), where a created resource lives and the
 * version of the resource it carries (the web layer sends it as the ETag).
 *
 * @param status   HTTP status code
 * @param body     the JSON, or null
 * @param location path of a created resource, or null
 * @param version  the resource's version, if it has one
 */
public record ApiResponse(int status, JsonStructure body, String location, OptionalInt version) {
    /**
     * 200 with a body.
     *
     * @param body the JSON
     * @return the response
     */
    public static ApiResponse ok(JsonStructure body) {
        return new ApiResponse(200, body, null, OptionalInt.empty());
    }

    /**
     * 201 with the new resource and where it lives.
     *
     * @param location its path
     * @param body     the JSON
     * @return the response
     */
    public static ApiResponse created(String location, JsonStructure body) {
        return new ApiResponse(201, body, location, OptionalInt.empty());
    }

    /**
     * 204 without a body.
     *
     * @return the response
     */
    public static ApiResponse noContent() {
        return new ApiResponse(204, null, null, OptionalInt.empty());
    }

    /**
     * One page of a list: {@code {"<name>": [...], "total_count": N, "next_cursor"?: "..."}}.
     *
     * @param name the list's field name, e.g. {@code sources}
     * @param page the page
     * @param item JSON of one item
     * @param <T>  item type
     * @return 200 with the page
     */
    public static <T> ApiResponse page(String name, PageRequest.Page<T> page, Function<T, JsonValue> item) {
        JsonArrayBuilder items = JsonText.array();
        page.items().forEach(i -> items.add(item.apply(i)));
        JsonObjectBuilder body = JsonText.object().add(name, items).add("total_count", page.total());
        page.nextCursor().ifPresent(c -> body.add("next_cursor", c));
        return ok(body.build());
    }

    /**
     * The same response, for a resource at this version.
     *
     * @param resourceVersion the version
     * @return the response with its version
     */
    public ApiResponse withVersion(int resourceVersion) {
        return new ApiResponse(status, body, location, OptionalInt.of(resourceVersion));
    }
}
