# SPDX-License-Identifier: GPL-2.0
# bench/report.awk: turn bench/run.sh's raw measurements into the terminal table and the results JSON.
# POSIX awk (mawk works): no asort, no gensub.
#
#   awk -f bench/report.awk -v json=OUT.json -v md=OUT.md -v extradir=DIR meta.txt spec.txt raw.tsv
#
# meta.txt: "meta KEY VALUE..." and "note TEXT..."
# spec.txt: "ratio NAME SECTION GROUP METRIC CFG_A CFG_B"    per repetition A/B, then median/min/max
#           "goal NAME ratio RATIO_NAME OP THRESHOLD"
#           "goal NAME ovratio RATIO_A RATIO_B OP THRESHOLD"   (median A - 1) / (median B - 1): overhead vs overhead
#           "goal NAME value SECTION GROUP CONFIG METRIC OP THRESHOLD"   (median of the repetitions)
# raw.tsv:  "SECTION GROUP CONFIG REP METRIC VALUE"

function jstr(s) {
	gsub(/\\/, "&&", s); gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); gsub(/\r/, "", s)
	gsub(/\n/, "\\n", s); gsub(/[\001-\037]/, "", s)
	return "\"" s "\""
}
function jnum(v) { return (v == "" || v == "-" ) ? "null" : v + 0 }
# sort the space-separated numbers in s; fills global arr[1..n], returns n
function sorted(s,    n, i, j, t) {
	n = split(s, arr, " ")
	for (i = 1; i <= n; i++) arr[i] += 0
	for (i = 2; i <= n; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
	return n
}
function median(s,    n) {
	n = sorted(s)
	if (n == 0) return ""
	return (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
function smin(s,    n) { n = sorted(s); return n ? arr[1] : "" }
function smax(s,    n) { n = sorted(s); return n ? arr[n] : "" }
function cnt(s) { return s == "" ? 0 : split(s, tmpa, " ") }
function fmt(v) {
	if (v == "") return "-"
	v += 0
	if (v != 0 && (v < 0.01 && v > -0.01)) return sprintf("%.2g", v)
	if (v >= 1000 || v <= -1000) return sprintf("%.0f", v)
	if (v >= 100 || v <= -100) return sprintf("%.1f", v)
	return sprintf("%.2f", v)
}
function spread(s) { return cnt(s) > 1 ? "[" fmt(smin(s)) ".." fmt(smax(s)) "]" : "" }
function cmpok(v, op, t) {
	v += 0; t += 0
	if (op == "<") return v < t
	if (op == "<=") return v <= t
	if (op == ">") return v > t
	if (op == ">=") return v >= t
	return 0
}

FNR == 1 { file++ }
file == 1 && $1 == "meta" { k = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); meta[k] = $0; mk[++nmeta] = k; next }
file == 1 && $1 == "note" { $1 = ""; sub(/^ +/, ""); notes[++nnotes] = $0; next }
file == 2 && $1 == "ratio" { nr++; rname[nr] = $2; rsec[nr] = $3; rgrp[nr] = $4; rmet[nr] = $5; ra[nr] = $6; rb[nr] = $7; next }
file == 2 && $1 == "goal" {
	ng++; gname[ng] = $2; gkind[ng] = $3
	if ($3 == "ratio") { gref[ng] = $4; gop[ng] = $5; gthr[ng] = $6 }
	else if ($3 == "ovratio") { gref[ng] = $4; gref2[ng] = $5; gop[ng] = $6; gthr[ng] = $7 }
	else { gref[ng] = $4 SUBSEP $5 SUBSEP $6 SUBSEP $7; gdesc[ng] = $4 "/" $5 "/" $6 "/" $7; gop[ng] = $8; gthr[ng] = $9 }
	next
}
file == 3 && NF >= 6 {
	if ($6 == "") next
	nraw++; raw[nraw] = $0
	key = $1 SUBSEP $2 SUBSEP $3 SUBSEP $5
	if (!(key in vals)) { keys[++nkeys] = key; vals[key] = $6 } else vals[key] = vals[key] " " $6
	byrep[$1 SUBSEP $2 SUBSEP $3 SUBSEP $5 SUBSEP $4] = $6
	reps[$4] = 1
	if (!(($1 SUBSEP $2) in seengrp)) { seengrp[$1 SUBSEP $2] = 1; grps[++ngrps] = $1 SUBSEP $2 }
}

END {
	# ratios, paired per repetition
	for (i = 1; i <= nr; i++) {
		rv[i] = ""
		for (r in reps) {
			a = rsec[i] SUBSEP rgrp[i] SUBSEP ra[i] SUBSEP rmet[i] SUBSEP r
			b = rsec[i] SUBSEP rgrp[i] SUBSEP rb[i] SUBSEP rmet[i] SUBSEP r
			if ((a in byrep) && (b in byrep) && byrep[b] + 0 != 0)
				rv[i] = rv[i] (rv[i] == "" ? "" : " ") (byrep[a] / byrep[b])
		}
		ratio_med[rname[i]] = median(rv[i])
		ratio_idx[rname[i]] = i
	}
	# goals
	for (i = 1; i <= ng; i++) {
		if (gkind[i] == "ratio") { v = (gref[i] in ratio_med) ? ratio_med[gref[i]] : ""; n = (gref[i] in ratio_idx) ? cnt(rv[ratio_idx[gref[i]]]) : 0 }
		else if (gkind[i] == "ovratio") {
			# overhead of A over overhead of B, from the median time ratios (A/none - 1) / (B/none - 1);
			# not measurable when B's overhead is lost in the noise (B/none <= 1.01)
			v = ""
			if ((gref[i] in ratio_med) && (gref2[i] in ratio_med) && ratio_med[gref[i]] != "" && ratio_med[gref2[i]] > 1.01)
				v = (ratio_med[gref[i]] - 1) / (ratio_med[gref2[i]] - 1)
			gdesc[i] = "(" gref[i] " - 1) / (" gref2[i] " - 1)"
		}
		else { v = (gref[i] in vals) ? median(vals[gref[i]]) : ""; n = (gref[i] in vals) ? cnt(vals[gref[i]]) : 0 }
		gval[i] = v
		gres[i] = (v == "") ? "NOT MEASURED" : (cmpok(v, gop[i], gthr[i]) ? "met" : "MISSED")
		if (v == "" && gkind[i] == "ovratio" && (gref2[i] in ratio_med)) gres[i] = "NOISE>FLOOR"
	}

	# ---------------- terminal
	printf "\n==== schedml bench: %s, %s CPUs, kernel %s, %s reps, %s s runs (median [min..max])\n", meta["host"], meta["cpus"], meta["kernel"], meta["reps"], meta["duration_s"]
	ncfg = split("nohogs hogs dryrun schedml oracle", cfgs, " ")
	hdr = 0
	for (g = 1; g <= ngrps; g++) {
		split(grps[g], sg, SUBSEP)
		if (sg[1] != "latency") continue
		if (!hdr) {
			printf "\n-- 1. probe wake-up lateness (us), steady state after %s s; whole-run p99; hog throughput\n", meta["warmup_s"]
			printf "%-10s %-8s %20s %20s %20s %20s %16s %14s %12s %12s\n", "group", "config", "ss p99", "ss p99.9", "whole p99", "ss max", "missed %", "stress ops/s", "xz MB/s", "storm jobs/s"
			hdr = 1
		}
		for (c = 1; c <= ncfg; c++) {
			k = "latency" SUBSEP sg[2] SUBSEP cfgs[c] SUBSEP
			if (!((k "ss_p99") in vals)) continue
			printf "%-10s %-8s %20s %20s %20s %20s %16s %14s %12s %12s\n", sg[2], cfgs[c],
				fmt(median(vals[k "ss_p99"])) " " spread(vals[k "ss_p99"]),
				fmt(median(vals[k "ss_p999"])) " " spread(vals[k "ss_p999"]),
				fmt(median(vals[k "p99"])) " " spread(vals[k "p99"]),
				fmt(median(vals[k "ss_max"])),
				fmt(median(vals[k "ss_missed_pct"])) " " spread(vals[k "ss_missed_pct"]),
				((k "stress_bogo_ops_s") in vals) ? fmt(median(vals[k "stress_bogo_ops_s"])) : "-",
				((k "xz0_MBps") in vals) ? fmt(median(vals[k "xz0_MBps"])) : "-",
				((k "storm_jobs_s") in vals) ? fmt(median(vals[k "storm_jobs_s"])) : "-"
		}
	}
	printf "\n-- other figures\n"
	for (i = 1; i <= nkeys; i++) {
		split(keys[i], kk, SUBSEP)
		if (kk[1] == "latency" && kk[4] !~ /^schedml_/) continue
		printf "%-10s %-10s %-8s %-22s %12s %s\n", kk[1], kk[2], kk[3], kk[4], fmt(median(vals[keys[i]])), spread(vals[keys[i]])
	}
	printf "\n-- ratios (paired per repetition: A/B)\n"
	for (i = 1; i <= nr; i++) {
		if (rv[i] == "") continue
		printf "%-40s %10s %-22s (%s %s/%s, n=%d)\n", rname[i], fmt(median(rv[i])), spread(rv[i]), rmet[i], ra[i], rb[i], cnt(rv[i])
	}
	printf "\n-- goals\n"
	for (i = 1; i <= ng; i++)
		printf "%-36s %-13s value %10s  (goal %s %s)\n", gname[i], gres[i], fmt(gval[i]), gop[i], gthr[i]
	for (i = 1; i <= nnotes; i++) printf "note: %s\n", notes[i]

	# ---------------- Markdown (docs/bench.md carries the latest one)
	if (md != "") {
		printf "Run %s on `%s`: %s CPUs (%s), %s kB RAM, kernel %s; load average at start %s; schedml %s.\n", meta["date"], meta["host"], meta["cpus"], meta["cpu_model"], meta["mem_kb"], meta["kernel"], meta["loadavg_at_start"], meta["schedml_commit"] > md
		printf "REPS=%s, DURATION=%s s, oracle %s, wall time %s s. Median [min..max] over the repetitions.\n\n", meta["reps"], meta["duration_s"], meta["oracle"], meta["wall_s"] > md
		printf "| goal | result | value | target |\n|---|---|---|---|\n" > md
		for (i = 1; i <= ng; i++) printf "| %s | %s | %s | %s %s |\n", gname[i], gres[i], fmt(gval[i]), gop[i], gthr[i] > md
		haslat = 0
		for (g = 1; g <= ngrps; g++) { split(grps[g], sg, SUBSEP); if (sg[1] == "latency") haslat = 1 }
		if (haslat) {
			printf "\nProbe wake-up lateness (us; ss = steady state after %s s) and hog throughput:\n\n", meta["warmup_s"] > md
			printf "| hogs-probe | config | ss p99 | ss p99.9 | whole p99 | ss missed %% | stress ops/s | xz MB/s | storm jobs/s |\n|---|---|---|---|---|---|---|---|---|\n" > md
		}
		for (g = 1; g <= ngrps; g++) {
			split(grps[g], sg, SUBSEP)
			if (sg[1] != "latency") continue
			for (c = 1; c <= ncfg; c++) {
				k = "latency" SUBSEP sg[2] SUBSEP cfgs[c] SUBSEP
				if (!((k "ss_p99") in vals)) continue
				printf "| %s | %s | %s %s | %s %s | %s | %s | %s | %s | %s |\n", sg[2], cfgs[c],
					fmt(median(vals[k "ss_p99"])), spread(vals[k "ss_p99"]), fmt(median(vals[k "ss_p999"])), spread(vals[k "ss_p999"]),
					fmt(median(vals[k "p99"])), fmt(median(vals[k "ss_missed_pct"])),
					((k "stress_bogo_ops_s") in vals) ? fmt(median(vals[k "stress_bogo_ops_s"])) : "-",
					((k "xz0_MBps") in vals) ? fmt(median(vals[k "xz0_MBps"])) : "-",
					((k "storm_jobs_s") in vals) ? fmt(median(vals[k "storm_jobs_s"])) : "-" > md
			}
		}
		hasr = 0
		for (i = 1; i <= nr; i++) if (rv[i] != "") hasr = 1
		if (hasr) printf "\nRatios (paired per repetition, A/B):\n\n| ratio | median | spread | metric A/B |\n|---|---|---|---|\n" > md
		for (i = 1; i <= nr; i++) if (rv[i] != "")
			printf "| %s | %s | %s | %s %s/%s |\n", rname[i], fmt(median(rv[i])), spread(rv[i]), rmet[i], ra[i], rb[i] > md
		printf "\nOther figures:\n\n| section | group | config | metric | median | spread |\n|---|---|---|---|---|---|\n" > md
		for (i = 1; i <= nkeys; i++) {
			split(keys[i], kk, SUBSEP)
			if (kk[1] == "latency" && kk[4] !~ /^schedml_/) continue
			printf "| %s | %s | %s | %s | %s | %s |\n", kk[1], kk[2], kk[3], kk[4], fmt(median(vals[keys[i]])), spread(vals[keys[i]]) > md
		}
		if (nnotes) printf "\nNotes:\n\n" > md
		for (i = 1; i <= nnotes; i++) printf "- %s\n", notes[i] > md
		close(md)
	}

	# ---------------- JSON
	if (json == "") exit 0
	printf "{\n  \"schema\": \"schedml-bench/1\",\n  \"meta\": {" > json
	for (i = 1; i <= nmeta; i++) printf "%s\n    %s: %s", (i > 1 ? "," : ""), jstr(mk[i]), jstr(meta[mk[i]]) > json
	printf "\n  },\n  \"notes\": [" > json
	for (i = 1; i <= nnotes; i++) printf "%s\n    %s", (i > 1 ? "," : ""), jstr(notes[i]) > json
	printf "\n  ],\n  \"goals\": [" > json
	for (i = 1; i <= ng; i++)
		printf "%s\n    {\"name\": %s, \"result\": %s, \"value\": %s, \"op\": %s, \"threshold\": %s, \"ref\": %s}", (i > 1 ? "," : ""),
			jstr(gname[i]), jstr(gres[i]), jnum(gval[i]), jstr(gop[i]), jnum(gthr[i]), jstr(gkind[i] == "ratio" ? gref[i] : gdesc[i]) > json
	printf "\n  ],\n  \"ratios\": [" > json
	first = 1
	for (i = 1; i <= nr; i++) {
		if (rv[i] == "") continue
		gsub(/ /, ", ", rv[i])
		printf "%s\n    {\"name\": %s, \"section\": %s, \"group\": %s, \"metric\": %s, \"a\": %s, \"b\": %s, \"median\": %s, \"per_rep\": [%s]}", (first ? "" : ","),
			jstr(rname[i]), jstr(rsec[i]), jstr(rgrp[i]), jstr(rmet[i]), jstr(ra[i]), jstr(rb[i]), jnum(ratio_med[rname[i]]), rv[i] > json
		first = 0
	}
	printf "\n  ],\n  \"summary\": [" > json
	for (i = 1; i <= nkeys; i++) {
		split(keys[i], kk, SUBSEP)
		printf "%s\n    {\"section\": %s, \"group\": %s, \"config\": %s, \"metric\": %s, \"n\": %d, \"median\": %s, \"min\": %s, \"max\": %s}", (i > 1 ? "," : ""),
			jstr(kk[1]), jstr(kk[2]), jstr(kk[3]), jstr(kk[4]), cnt(vals[keys[i]]), jnum(median(vals[keys[i]])), jnum(smin(vals[keys[i]])), jnum(smax(vals[keys[i]])) > json
	}
	printf "\n  ],\n  \"raw\": [" > json
	for (i = 1; i <= nraw; i++) {
		split(raw[i], f, "\t")
		printf "%s\n    {\"section\": %s, \"group\": %s, \"config\": %s, \"rep\": %d, \"metric\": %s, \"value\": %s}", (i > 1 ? "," : ""),
			jstr(f[1]), jstr(f[2]), jstr(f[3]), f[4], jstr(f[5]), jnum(f[6]) > json
	}
	printf "\n  ],\n  \"outputs\": {" > json
	first = 1
	if (extradir != "") {
		cmd = "ls " extradir " 2>/dev/null"
		while ((cmd | getline fn) > 0) {
			txt = ""
			path = extradir "/" fn
			while ((getline line < path) > 0) txt = txt line "\n"
			close(path)
			printf "%s\n    %s: %s", (first ? "" : ","), jstr(fn), jstr(txt) > json
			first = 0
		}
		close(cmd)
	}
	printf "\n  }\n}\n" > json
	close(json)
}
