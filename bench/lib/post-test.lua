-- wrk script for bench/connection-storm: every request is a connection test of an unsaved source that
-- points at the silent listener (its port comes from the STORM_PORT environment variable), sent with the
-- admin key (PHILOTES_KEY, exported by start_philotes).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("PHILOTES_KEY")
wrk.body = '{"host":"127.0.0.1","port":' .. os.getenv("STORM_PORT") ..
           ',"database":"postgres","username":"u","password":"p","ssl_mode":"disable"}'
