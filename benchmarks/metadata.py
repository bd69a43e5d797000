"""Throughput and latency of the metadata API: openstack/latest/meta_data.json.

Starts ``nova-api-metadata`` as its own process (cheroot, one worker, behind
"the Neutron proxy": the clients send its signed X-Instance-ID headers) over
private SQLite databases holding ``--instances`` instances (default 200),
then has 16 concurrent clients (keep-alive connections) ask for the
meta_data.json of the instances in turn:

* cold: ``[api] metadata_cache_expiration = 0``, every request reads the
  instance, its cell mapping and block device mappings;
* cached: the default in-memory oslo.cache; every instance was asked for once
  before the run, and then every instance row is marked deleted and every
  instance mapping removed (through another SQLite connection), so a request
  that read the database would be a 404: the run counts such errors.

    .venv/bin/python benchmarks/metadata.py [--instances 200] [--seconds 10] [--clients 16]

Prints requests per second, median and p99 latency, server CPU per request
and errors per case.
"""

import argparse
import hashlib
import hmac
import http.client
import itertools
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api as api_bench  # noqa: E402  (free_port, wait_for_port, server_cpu_seconds)

BIN = os.path.dirname(sys.executable)
SECRET = "benchmark-secret"
PATH = "/openstack/latest/meta_data.json"


def write_config(workdir, port, cache_seconds):
    path = os.path.join(workdir, "nova-%d.conf" % cache_seconds)
    with open(path, "w") as conf:
        conf.write(
            "[DEFAULT]\nhost = bench\nstate_path = %(w)s\ntransport_url = fake://\n"
            "metadata_listen = 127.0.0.1\nmetadata_listen_port = %(p)d\n"
            "metadata_workers = 1\nenabled_apis = metadata\n"
            "log_file = %(w)s/nova-api-metadata.log\n"
            "[api]\nmetadata_cache_expiration = %(c)d\n"
            "[neutron]\nservice_metadata_proxy = true\nmetadata_proxy_shared_secret = %(s)s\n"
            "[database]\nconnection = sqlite:///%(w)s/nova.sqlite\n"
            "[api_database]\nconnection = sqlite:///%(w)s/nova_api.sqlite\n"
            % {"w": workdir, "p": port, "c": cache_seconds, "s": SECRET})
    return path


SEED = """
import sys
from oslo_utils import uuidutils
from nova import config, context, objects
config.parse_args(['seed', '--config-file', sys.argv[1]], init_rpc=False, setup_logging=False)
objects.register_all()
ctxt = context.get_admin_context()
cell = [c for c in objects.CellMappingList.get_all(ctxt) if not c.is_cell0()][0]
flavor = objects.Flavor(ctxt, name='m1.bench', flavorid='1', memory_mb=512, vcpus=1,
                        root_gb=1, ephemeral_gb=0, swap=0, extra_specs={})
flavor.create()
key = objects.KeyPair(name='bench', user_id='u1', type='ssh', public_key='ssh-ed25519 AAAA bench')
for i in range(int(sys.argv[2])):
    with context.target_cell(ctxt, cell) as cctxt:
        inst = objects.Instance(cctxt, uuid=uuidutils.generate_uuid(), display_name='vm-%d' % i,
            hostname='vm-%d' % i, project_id='p1', user_id='u1', vm_state='active',
            power_state=1, host='compute1', node='compute1', launch_index=0,
            availability_zone='nova', metadata={'index': str(i)}, system_metadata={},
            key_name='bench', key_data=key.public_key, user_data=None,
            keypairs=objects.KeyPairList(objects=[key]), reservation_id='r-%d' % i,
            root_device_name='/dev/vda', image_ref='155d900f-4e14-4e4c-a73d-069cbf4541e6')
        inst.flavor = flavor
        inst.old_flavor = inst.new_flavor = None
        inst.instance_type_id = flavor.id
        inst.info_cache = objects.InstanceInfoCache(cctxt, network_info=[{
            'id': uuidutils.generate_uuid(), 'address': 'fa:16:3e:00:%02x:%02x' % divmod(i, 256),
            'network': {'id': 'net', 'label': 'private', 'subnets': [{
                'cidr': '10.0.0.0/16', 'gateway': {'address': '10.0.0.1'},
                'ips': [{'address': '10.0.%d.%d' % divmod(i + 10, 256), 'version': 4}]}]}}])
        inst.create()
    objects.InstanceMapping(ctxt, instance_uuid=inst.uuid, cell_mapping=cell,
                            project_id='p1', user_id='u1').create()
    print(inst.uuid)
"""


def prepare(conf_path, instances):
    for args in (["api_db", "sync"], ["db", "sync"], ["cell_v2", "simple_cell_setup"]):
        subprocess.run([os.path.join(BIN, "nova-manage"), "--config-file", conf_path, *args],
                       check=True, capture_output=True, timeout=120)
    out = subprocess.run([sys.executable, "-c", SEED, conf_path, str(instances)], check=True,
                         capture_output=True, text=True, timeout=600).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def headers_for(uuid):
    return {"X-Instance-ID": uuid, "X-Tenant-ID": "p1",
            "X-Instance-ID-Signature": hmac.new(SECRET.encode(), uuid.encode(),
                                                hashlib.sha256).hexdigest()}


def client_loop(port, uuids, stop_at, latencies, errors):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for uuid in itertools.cycle(uuids):
        if time.monotonic() >= stop_at:
            break
        start = time.perf_counter()
        conn.request("GET", PATH, headers=headers_for(uuid))
        resp = conn.getresponse()
        body = resp.read()
        latencies.append(time.perf_counter() - start)
        if resp.status != 200 or uuid.encode() not in body:
            errors.append(resp.status)
    conn.close()


def run_case(port, uuids, clients, seconds, pid):
    latencies, errors = [], []
    cpu_before = api_bench.server_cpu_seconds(pid)
    stop_at = time.monotonic() + seconds
    # Each client starts at another instance, so all 200 are asked for throughout.
    step = max(1, len(uuids) // clients)
    threads = [threading.Thread(target=client_loop, args=(
        port, uuids[i * step:] + uuids[:i * step], stop_at, latencies, errors))
        for i in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - began
    cpu = api_bench.server_cpu_seconds(pid) - cpu_before
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {"requests": len(latencies), "rps": len(latencies) / wall,
            "median_ms": latencies[len(latencies) // 2] * 1000, "p99_ms": p99 * 1000,
            "errors": len(errors), "cpu_ms": cpu * 1000 / max(1, len(latencies))}


def serve(conf_path, port):
    proc = subprocess.Popen([os.path.join(BIN, "nova-api-metadata"), "--config-file",
                             conf_path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api_bench.wait_for_port(port, proc)
    return proc


def stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="nova-bench-metadata-")
    procs = []
    try:
        t0 = time.monotonic()
        port = api_bench.free_port()
        cold_conf = write_config(workdir, port, 0)
        uuids = prepare(cold_conf, args.instances)
        print("seeded %d instances in %.1f s" % (len(uuids), time.monotonic() - t0))
        print("%-8s %8s %9s %10s %10s %14s %7s" % (
            "case", "clients", "req/s", "median ms", "p99 ms", "server CPU ms", "errors"))

        proc = serve(cold_conf, port)
        procs.append(proc)
        run_case(port, uuids, 1, 1.0, proc.pid)  # warm-up (imports, connections)
        r = run_case(port, uuids, args.clients, args.seconds, proc.pid)
        print("%-8s %8d %9.1f %10.1f %10.1f %14.2f %7d" % (
            "cold", args.clients, r["rps"], r["median_ms"], r["p99_ms"], r["cpu_ms"],
            r["errors"]))
        stop(proc)
        procs.remove(proc)

        # Long enough to warm every instance and run the case on one expiry.
        port = api_bench.free_port()
        cached_conf = write_config(workdir, port, int(args.seconds * 3 + 60))
        proc = serve(cached_conf, port)
        procs.append(proc)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for uuid in uuids:
            conn.request("GET", PATH, headers=headers_for(uuid))
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 200, resp.status
        conn.close()
        # From now on the database knows none of them: only the cache can answer.
        with sqlite3.connect(os.path.join(workdir, "nova.sqlite")) as cell_db:
            cell_db.execute("UPDATE instances SET deleted = id, deleted_at = CURRENT_TIMESTAMP")
        with sqlite3.connect(os.path.join(workdir, "nova_api.sqlite")) as api_db:
            api_db.execute("DELETE FROM instance_mappings")
        r = run_case(port, uuids, args.clients, args.seconds, proc.pid)
        print("%-8s %8d %9.1f %10.1f %10.1f %14.2f %7d" % (
            "cached", args.clients, r["rps"], r["median_ms"], r["p99_ms"], r["cpu_ms"],
            r["errors"]))
        print("cached run: %d requests after every instance was deleted from the "
              "databases, %d errors" % (r["requests"], r["errors"]))
        # The same requests without the cache: every one is refused.
        port = api_bench.free_port()
        proc2 = serve(write_config(workdir, port, 0), port)
        procs.append(proc2)
        r = run_case(port, uuids, args.clients, 1.0, proc2.pid)
        print("the same without the cache: %d requests, %d errors (404)"
              % (r["requests"], r["errors"]))
    finally:
        for proc in procs:
            stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
