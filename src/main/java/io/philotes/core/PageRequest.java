package io.philotes.core;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * {@code ?limit=} (default 50, at most 500) and the opaque {@code ?cursor=} of newest-first lists. A
 * cursor names the last item of the previous page by its creation time and id, so pages stay stable
 * while items are added.
 *
 * @param limit page size
 * @param after the last item of the previous page, if any
 */
public record PageRequest(int limit, Optional<Cursor> after) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    /**
     * Reads the paging parameters.
     *
     * @param limitText  the {@code limit} parameter, or null without one
     * @param cursorText the {@code cursor} parameter, or null without one
     * @return the page request
     * @throws ApiException validation-error for a bad limit, bad-request for a cursor that is not ours
     */
    public static PageRequest parse(String limitText, String cursorText) {
        int limit = DEFAULT_LIMIT;
        if (limitText != null) {
            String text = limitText;
            try {
                limit = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw ApiException.validation(List.of(new FieldError("limit", "must be a whole number from 1 to " + MAX_LIMIT)));
            }
        }
        Optional<Cursor> after = cursorText != null ? Optional.of(Cursor.decode(cursorText)) : Optional.empty();
        return new PageRequest(limit, after);
    }

    /**
     * Cuts the page out of the rows a list query returned; the query fetches {@code limit + 1} rows, and
     * an extra row means there is a next page.
     *
     * @param rows     up to {@code limit + 1} rows, newest first
     * @param total    how many match the filters
     * @param position the cursor position of a row
     * @param <T>      row type
     * @return the page
     */
    public <T> Page<T> page(List<T> rows, long total, Function<T, Cursor> position) {
        boolean more = rows.size() > limit;
        List<T> items = more ? rows.subList(0, limit) : rows;
        return new Page<>(items, total, more ? Optional.of(position.apply(items.getLast()).encode()) : Optional.empty());
    }

    /**
     * One page of a list.
     *
     * @param items      the items
     * @param total      how many match the filters
     * @param nextCursor cursor of the next page, when there is one
     * @param <T>        item type
     */
    public record Page<T>(List<T> items, long total, Optional<String> nextCursor) {
    }

    /**
     * A position in a newest-first list.
     *
     * @param createdAt creation time of the item
     * @param id        id of the item (a UUID for sources and pipelines, a key's public id for keys)
     */
    public record Cursor(Instant createdAt, String id) {
        public Cursor(Instant createdAt, UUID id) {
            this(createdAt, id.toString());
        }

        /**
         * The id as a UUID, for lists of resources that have them.
         *
         * @return the id
         * @throws ApiException bad-request for a cursor of another list
         */
        public UUID uuid() {
            try {
                return UUID.fromString(id);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("The cursor is not one this list returned; start again without it");
            }
        }

        public String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((createdAt + "|" + id).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String text) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8).split("\\|", 2);
                if (!parts[1].matches("[A-Za-z0-9-]{1,64}")) {
                    throw new IllegalArgumentException("not an id");
                }
                return new Cursor(Instant.parse(parts[0]), parts[1]);
            } catch (IllegalArgumentException | DateTimeParseException | ArrayIndexOutOfBoundsException e) {
                throw ApiException.badRequest("The cursor is not one this API returned; start again without it");
            }
        }
    }
}
