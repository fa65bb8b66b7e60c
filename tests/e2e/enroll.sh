# enroll.sh - what the enrollment tests share (sourced after lib.sh and
# box.sh): the package published in the master's repository, and the
# steps of an enrollment watched while it runs.

# enroll_publish: build/rel/hostfleet packaged (tools/mkdeb.sh) and added
# to the master's repository; DEB is the package.
enroll_publish() {
	make -s -C "$TOP" build/rel/hostfleet >"$WORK/make.log" 2>&1 || {
		fail "make build/rel/hostfleet: $(tail -5 "$WORK/make.log")"
		return 1
	}
	DEB=$(sh "$TOP/tools/mkdeb.sh" "$TOP/build/rel/hostfleet" \
	    "$WORK/deb" 2>"$WORK/mkdeb.err") && [ -f "$DEB" ] || {
		fail "mkdeb: $(tail -5 "$WORK/mkdeb.err")"; return 1; }
	"$HF" repo -s "$MSTATE" add "$DEB" >"$WORK/repo-add.out" 2>&1 || {
		fail "repo add: $(cat "$WORK/repo-add.out")"; return 1; }
}

# steps ID: "name:state" of every step of node ID's enrollment, in order.
steps() { api cluster.node.enroll elid="$1" | jq -r '[.elem[] | .name + ":" + .state] | join(" ")'; }

# enroll_watch ID FILE: polls node ID's steps until none runs and one
# failed or none waits (or 600 s), appending each new view to FILE, one
# a line.
enroll_watch() {
	_w_last=; _w_end=$(( $(date +%s) + 600 ))
	while [ "$(date +%s)" -lt "$_w_end" ]; do
		_w_s=$(steps "$1")
		if [ "$_w_s" != "$_w_last" ]; then
			printf '%s\n' "$_w_s" >>"$2"; _w_last=$_w_s
		fi
		case $_w_s in
		*:running*|'') ;;
		*:failed*) return 0 ;;
		*:waiting*) ;;
		*) return 0 ;;
		esac
		sleep 0.05  # poll interval
	done
	fail "enrollment of node $1 still running after 600 s: $_w_s"
	return 1
}

# in_order FILE: every view of FILE follows from the one before: each
# step's state only moves on (waiting, running, done), at most one step
# runs, and the steps before a running or done one are done.
in_order() {
	awk '
	function rank(s) { return s == "waiting" ? 0 : s == "running" ? 1 : s == "done" ? 2 : 3 }
	{
		running = 0; seen_notdone = 0
		for (i = 1; i <= NF; i++) {
			split($i, a, ":"); r = rank(a[2])
			if (NR > 1 && r < prev[i]) { print "step " a[1] " went back to " a[2] " at view " NR; bad = 1 }
			if (r == 1) running++
			if (r >= 1 && seen_notdone) { print "step " a[1] " " a[2] " after a step not done, view " NR; bad = 1 }
			if (r != 2) seen_notdone = 1
			prev[i] = r
		}
		if (running > 1) { print "two steps running at view " NR; bad = 1 }
	}
	END { exit bad }' "$1"
}

# node_st ID: node ID's status.
node_st() { api cluster.node.edit elid="$1" | jq -r .status; }

# status_watch ID FILE [SECONDS]: polls node ID's status until ready (at
# most SECONDS, 300), appending each new one to FILE; 0 once ready.
status_watch() {
	_s_last=; _s_end=$(( $(date +%s) + ${3:-300} ))
	while [ "$(date +%s)" -lt "$_s_end" ]; do
		_s=$(node_st "$1")
		if [ "$_s" != "$_s_last" ]; then
			printf '%s\n' "$_s" >>"$2"; _s_last=$_s
		fi
		[ "$_s" = ready ] && { ok; return 0; }
		sleep 0.05  # poll interval
	done
	fail "node $1 not ready after ${3:-300} s: $_s_last"
	return 1
}

# statuses_in_order FILE: the statuses of FILE are installing, syncing,
# ready in that order, each at most once (some may pass unseen).
statuses_in_order() {
	tr '\n' ' ' <"$1" | grep -Eqx '(installing )?(syncing )?ready '
}
