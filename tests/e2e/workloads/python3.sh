#!/bin/sh
# python3 with threads, sockets, json, sqlite3, subprocess and a file round trip. $1 = scratch directory.
set -e
W=$1
/usr/bin/python3 - "$W" <<'PY'
import json, os, socket, sqlite3, subprocess, sys, threading, hashlib
w = sys.argv[1]
def work(i):
    hashlib.sha256(json.dumps(list(range(i * 1000))).encode()).hexdigest()
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
a, b = socket.socketpair(); a.sendall(b"ping"); b.recv(4)
db = sqlite3.connect(os.path.join(w, "p.db")); db.execute("create table t(x)"); db.commit(); db.close()
subprocess.run(["true"], check=True)
with open(os.path.join(w, "f.txt"), "w") as f: f.write("x")
os.unlink(os.path.join(w, "f.txt"))
PY
