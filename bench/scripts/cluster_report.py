"""What bench/scripts/cluster-load reads from the cluster's Redis and PostgreSQL, and how it merges
and prints the reports of the load programs it ran (one per node)."""

import glob
import os
import subprocess
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of one process, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def children(pid):
    """Child processes of pid, but autovacuum workers, which come and go."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = Path(stat).parent
            try:
                if b"autovacuum worker" in (child / "cmdline").read_bytes():
                    continue
            except OSError:
                continue
            found.append(int(child.name))
    return found


def backend_pids(info):
    """Redis and every PostgreSQL process (the postmaster and its backends, one per connection
    the nodes hold open)."""
    postmaster = info["postgres"]["pid"]
    return [info["redis"]["pid"], postmaster, *children(postmaster)]


def redis_stats(port):
    done = subprocess.run(["redis-cli", "-p", str(port), "info", "stats"], capture_output=True,
                          text=True, check=False)
    stats = dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    wanted = ("total_commands_processed", "total_net_input_bytes", "total_net_output_bytes")
    return {name: int(stats.get(name, 0)) for name in wanted}


def postgres_sql(port, query):
    """One statement through psql as the postgres superuser (the cluster trusts local logins)."""
    psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    done = subprocess.run([psql[-1] if psql else "psql", "-h", "127.0.0.1", "-p", str(port), "-U",
                           "postgres", "-d", "parley", "-At", "-F", " ", "-c", query],
                          capture_output=True, text=True, check=False)
    return done.stdout


def postgres_stats(port):
    query = ("select xact_commit, tup_inserted, tup_updated, tup_deleted, tup_fetched "
             "from pg_stat_database where datname = 'parley'")
    stdout = postgres_sql(port, query)
    names = ("xact_commit", "tup_inserted", "tup_updated", "tup_deleted", "tup_fetched")
    values = stdout.split()
    return dict(zip(names, map(int, values))) if len(values) == len(names) else {}


def backend_counters(info):
    """Counters that only grow, read before and after a run: their difference is the run's."""
    pids = backend_pids(info)
    return {"redis": redis_stats(info["redis"]["port"]),
            "postgres": postgres_stats(info["postgres"]["port"]),
            "redis_cpu_s": cpu_seconds(pids[0]),
            "postgres_cpu_s": sum(cpu_seconds(pid) for pid in pids[1:])}


def counter_delta(before, after):
    delta = {}
    for name, value in after.items():
        if isinstance(value, dict):
            delta[name] = {key: v - before.get(name, {}).get(key, 0) for key, v in value.items()}
        else:
            delta[name] = round(value - before.get(name, 0), 2)
    return delta


def event_figures(reports, event):
    """Lateness of one lifecycle event over every node's load program. The programs report
    percentiles, not samples, so the merged p50 and p99 are the worst node's (an upper bound of
    the true figure), the max is exact."""
    figures = [report["expiry"][event] for report in reports]
    lateness = [figure["lateness"] for figure in figures]
    server = [figure["server_lateness"] for figure in figures]
    return {"expected": sum(f["expected"] for f in figures),
            "received": sum(f["received"] for f in figures),
            "duplicates": sum(f["duplicates"] for f in figures),
            "sampled": sum(item["count"] for item in lateness),
            "p50_ms_worst_node": max(item["p50_ms"] for item in lateness),
            "p99_ms_worst_node": max(item["p99_ms"] for item in lateness),
            "max_ms": max(item["max_ms"] for item in lateness),
            "server_time_p99_ms_worst_node": max(item["p99_ms"] for item in server),
            "server_cpu_s": sum(f["cpu"]["server_cpu_s"] or 0 for f in figures)}


def node_figures(name, report):
    connect, renew, rss = report["connect"], report["renew"], report["server_rss_kib"]
    connect_cpu = connect["cpu"]["server_cpu_s"] or 0
    renew_cpu = renew["cpu"]["server_cpu_s"] or 0
    return {"node": name, "connections": report["connections"], "ok": connect["ok"],
            "connect_per_s": round(connect["per_second"]),
            "rss_idle_kib": rss["idle"], "rss_connected_kib": rss["connected"],
            "rss_per_connection_kib": rss["per_connection"],
            "server_cpu_ms_per_connect": 1000 * connect_cpu / max(1, connect["ok"]),
            "server_cpu_us_per_renewal": 1e6 * renew_cpu / max(1, renew["ok"]),
            "renew_at_late_s": renew["renew_at_late_s"],
            "first_exp": report["expiry"]["first_exp"]}


def merge_load(reports, statuses, before, after, renew_at):
    names = list(reports)
    every = [reports[name] for name in names]
    connect_seconds = max(r["connect"]["seconds"] for r in every)
    init_ok = sum(r["connect"]["ok"] for r in every)
    renew_ok = sum(r["renew"]["ok"] for r in every)
    renew_seconds = max(r["renew"]["seconds"] for r in every)
    merged = {
        "mode": "load", "renew_at": renew_at,
        "connections": sum(r["connections"] for r in every), "init_ok": init_ok,
        "init_failed": sum(r["connect"]["failed"] for r in every),
        "connect_seconds_longest": connect_seconds,
        "connect_per_s": init_ok / connect_seconds if connect_seconds else 0,
        "renew_ok": renew_ok, "renew_failed": sum(r["renew"]["failed"] for r in every),
        "renew_per_s": renew_ok / renew_seconds if renew_seconds else 0,
        "one_exp": len({r["expiry"]["first_exp"] for r in every}) == 1,
        "closes_4410": sum(r["expiry"]["closes_4410"] for r in every),
        "token_about_to_expire": event_figures(every, "token_about_to_expire"),
        "token_expired": event_figures(every, "token_expired"),
        "nodes": [node_figures(name, reports[name]) for name in names],
        "backend": counter_delta(before, after),
        "exit_status": statuses,
        "load_average_after": max(r["load_average_after"] for r in every),
    }
    merged["complete"] = all(status == 0 for status in statuses.values())
    return merged


def print_load(m):
    print(f"cluster-load: {m['connections']} connections over {len(m['nodes'])} nodes "
          f"({m['started']}, load average {m['load_average_before']:.2f} before, "
          f"{m['load_average_after']:.2f} after)")
    print(f"  init ok {m['init_ok']}, failed {m['init_failed']}; {m['connect_per_s']:.0f} "
          f"connects/s (all three programs, longest connect phase "
          f"{m['connect_seconds_longest']:.1f} s)")
    print(f"  renewals ok {m['renew_ok']}, failed {m['renew_failed']}, "
          f"{m['renew_per_s']:.0f}/s; one shared exp: {m['one_exp']}; "
          f"closes 4410: {m['closes_4410']}")
    for event in ("token_about_to_expire", "token_expired"):
        e = m[event]
        print(f"  {event}: {e['received']}/{e['expected']} (duplicates {e['duplicates']}); "
              f"lateness (sampled, {e['sampled']}) p50 {e['p50_ms_worst_node']:.1f} / p99 "
              f"{e['p99_ms_worst_node']:.1f} ms (worst node's), max {e['max_ms']:.1f} ms; "
              f"server_time p99 {e['server_time_p99_ms_worst_node']:.1f} ms")
    for n in m["nodes"]:
        print(f"  {n['node']}: {n['ok']}/{n['connections']} up, {n['connect_per_s']} connects/s, "
              f"RSS {n['rss_idle_kib']} -> {n['rss_connected_kib']} KiB = "
              f"{n['rss_per_connection_kib']:.2f} KiB/connection, server CPU "
              f"{n['server_cpu_ms_per_connect']:.3f} ms/connect, "
              f"{n['server_cpu_us_per_renewal']:.1f} us/renewal, renew-at late "
              f"{n['renew_at_late_s']:.2f} s")
    print_backend(m["backend"])
    print(f"  exit status {m['exit_status']}; complete: {m['complete']}")


def print_backend(b):
    r, p = b["redis"], b["postgres"]
    print(f"  redis: {r.get('total_commands_processed', 0)} commands, "
          f"{r.get('total_net_input_bytes', 0)} B in, {r.get('total_net_output_bytes', 0)} B "
          f"out, {b['redis_cpu_s']} s CPU; postgres: {p.get('xact_commit', '?')} commits, "
          f"{p.get('tup_inserted', '?')} rows inserted, {p.get('tup_updated', '?')} updated, "
          f"{b['postgres_cpu_s']} s CPU")


def print_fanout(result):
    three, one = result["three_nodes"], result["one_node"]
    print(f"cluster-load --fanout: {three['members']} members, {three['senders']} senders x "
          f"window {three['window']}, PostgreSQL synchronous_commit "
          f"{result['synchronous_commit']} ({result['started']}, load average "
          f"{result['load_average_before']:.2f} before)")
    print(f"  {'':28}{'three nodes':>16}{'one node':>16}")
    rows = [("deliveries/s", lambda r: f"{r['deliveries_per_s']:.0f}"),
            ("sends/s", lambda r: f"{r['sends_per_s']:.0f}"),
            ("send->receipt p50 ms", lambda r: f"{r['send_to_receipt']['p50_ms']:.1f}"),
            ("send->receipt p99 ms", lambda r: f"{r['send_to_receipt']['p99_ms']:.1f}"),
            ("paused by lag guard s", lambda r: f"{r['paused_s']:.1f}"),
            ("server cores (nodes+redis+pg)", lambda r: f"{r['server_cores']:.2f}"),
            ("client cores", lambda r: f"{r['client_cores']:.2f}"),
            ("server CPU us/delivery", lambda r: f"{us_per_delivery(r):.2f}"),
            ("redis commands", lambda r: str(r["backend"]["redis"].get(
                "total_commands_processed", 0))),
            ("redis CPU s (whole run)", lambda r: str(r["backend"]["redis_cpu_s"])),
            ("postgres commits", lambda r: str(r["backend"]["postgres"].get("xact_commit", 0))),
            ("postgres CPU s (whole run)", lambda r: str(r["backend"]["postgres_cpu_s"])),
            ("exit status", lambda r: str(r["exit_status"]))]
    for label, cell in rows:
        print(f"  {label:28}{cell(three):>16}{cell(one):>16}")
    print(f"  verdict, three nodes: {three.get('verdict', '')}")
    print(f"  verdict, one node:    {one.get('verdict', '')}")
    for label, report in (("three nodes", three), ("one node", one)):
        if report.get("first_error"):
            print(f"  first error, {label}: {report['first_error']}")
    print(f"  complete: {result['complete']}")


def us_per_delivery(report):
    rate = report["deliveries_per_s"]
    return 1e6 * report["server_cores"] / rate if rate else 0.0
