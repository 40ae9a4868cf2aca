#!/usr/bin/env bash
# `greenlight sim` over MPI ranks (docs/simulation.md "MPI"): `mpirun -np 2` and `-np 3` of a
# small run and `-np 2` of a small sweep write the same bytes as one process, and an error on
# the ranks stops them all with the message.
# Usage: sim_mpi_test.sh GREENLIGHT_BINARY MPIEXEC WORK_DIR
set -u
bin=$1
mpiexec=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

mpi=("$mpiexec" -np 2 --oversubscribe)
# CI runs the suite as root; Open MPI refuses root without this flag.
if [ "$(id -u)" -eq 0 ]; then mpi+=(--allow-run-as-root); fi
# Containers often forbid the cross-memory attach of Open MPI's shared-memory transport.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1
# One machine: start the ranks locally, without needing ssh or rsh.
export OMPI_MCA_plm=isolated

# same_file NAME A B: identical bytes.
same_file() {
  cmp -s "$2" "$3" || fail "$1: $2 and $3 differ"
}

# one_and_two NAME ARGS...: `ARGS` (a sim run) in one process, into $work/NAME-one, and over two
# ranks, into $work/NAME-two: their timeseries.csv must be the same bytes.
# one_and_two_files NAME "FILE ..." ARGS...: the command ARGS in one process and over two ranks
# (into $work/NAME-one and $work/NAME-two), the same bytes in each FILE.
one_and_two_files() {
  local name=$1 files=$2
  shift 2
  "$bin" "$@" --out "$work/$name-one" >"$work/$name-one.stdout" 2>&1 ||
    fail "$name in one process: $(cat "$work/$name-one.stdout")"
  "${mpi[@]}" "$bin" "$@" --out "$work/$name-two" >"$work/$name-two.stdout" \
    2>"$work/$name-two.stderr" || fail "mpirun -np 2 $name: $(cat "$work/$name-two.stderr")"
  local f
  for f in $files; do
    same_file "$name $f" "$work/$name-one/$f" "$work/$name-two/$f"
  done
}
# one_and_two NAME ARGS...: a sim run in one process and over two ranks, the same timeseries.
one_and_two() {
  local name=$1
  shift
  one_and_two_files "$name" timeseries.csv "$@"
}
# column_of COLUMN FILE: a CSV column's values, one a line, found by its header.
column_of() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; ++i) if ($i == name) c = i; next }
    { print $c }' "$2"
}
# column_sum COLUMN FILE: the sum of a CSV column.
column_sum() {
  column_of "$1" "$2" | awk '{ s += $1 } END { print s + 0 }'
}
# more_than NAME COLUMN MIN WHAT: the sum of COLUMN in $work/NAME-one/timeseries.csv is above
# MIN (else the failure "NAME sim run: only SUM WHAT").
more_than() {
  local sum
  sum=$(column_sum "$2" "$work/$1-one/timeseries.csv")
  [ "$sum" -gt "$3" ] || fail "$1 sim run: only $sum $4"
}

# A run with the app and its baseline, with phones re-matched through the client library
# (the verify path exchanges sightings between ranks), and the event logs (the exposures of
# every rank's phones gathered).
run_args=(sim run --people 3000 --days 30 --seed 7 --threads 1 --verify-phones 4 --quiet --events)
"$bin" "${run_args[@]}" --out "$work/one" >"$work/one.stdout" 2>"$work/one.stderr" ||
  fail "sim run in one process: $(cat "$work/one.stderr")"
"${mpi[@]}" "$bin" "${run_args[@]}" --out "$work/two" >"$work/two.stdout" 2>"$work/two.stderr" ||
  fail "mpirun -np 2 sim run: $(cat "$work/two.stderr")"
for f in timeseries.csv timeseries_without_app.csv config.json reproduction.csv offspring.csv intervals.csv \
  transmissions.csv exposures.csv transmissions_without_app.csv; do
  same_file "sim run $f" "$work/one/$f" "$work/two/$f"
done
[ "$(wc -l <"$work/one/exposures.csv")" -gt 10 ] || fail "sim run --events: few exposures"
# The report, without its wall time.
strip_time() { sed -E 's/; [0-9.]+ s$//' "$1"; }
[ "$(strip_time "$work/one/report.txt")" = "$(strip_time "$work/two/report.txt")" ] ||
  fail "sim run report.txt differs: $(diff <(strip_time "$work/one/report.txt") <(strip_time "$work/two/report.txt"))"
grep -q "client-library check .* 0 window mismatches, 0 colour mismatches" "$work/two/report.txt" ||
  fail "report.txt: no clean client-library check line"
# Only rank 0 prints the report.
[ "$(grep -c '^greenlight population simulation' "$work/two.stdout")" -eq 1 ] ||
  fail "mpirun -np 2 printed the report $(grep -c '^greenlight population simulation' "$work/two.stdout") times"

# Three ranks: rank boundaries that fall inside a chunk of 256 phones' keys and inside a part
# of the store's merge, and hits, warnings and sampled phones split three ways.
mpi3=("$mpiexec" -np 3 --oversubscribe)
if [ "$(id -u)" -eq 0 ]; then mpi3+=(--allow-run-as-root); fi
"${mpi3[@]}" "$bin" "${run_args[@]}" --out "$work/three" >"$work/three.stdout" \
  2>"$work/three.stderr" || fail "mpirun -np 3 sim run: $(cat "$work/three.stderr")"
for f in timeseries.csv timeseries_without_app.csv config.json reproduction.csv; do
  same_file "sim run -np 3 $f" "$work/one/$f" "$work/three/$f"
done
[ "$(strip_time "$work/one/report.txt")" = "$(strip_time "$work/three/report.txt")" ] ||
  fail "sim run -np 3 report.txt differs: $(diff <(strip_time "$work/one/report.txt") <(strip_time "$work/three/report.txt"))"

# Severe courses: everyone who falls ill goes to hospital and dies there (absent people are
# left out of every rank's contacts, the dead phones' colours and the death counts summed),
# with few intensive-care and ward beds (every rank gives them alike), cared for by staff
# whose phones record them (each rank draws its own patients' contacts with the staff and
# stages their encounters) and who are tested every 2 days (every rank tests the same); with
# care homes whose staff's phones record the residents and are tested every 3 days, and whose
# residents have 3 visits a week from their families (each rank draws the contacts and visits
# of its shards' homes; the visitors may be another rank's people), none for 7 days after a
# positive result in the home (every rank closes the same homes), and 30 % of whose staff
# positions are filled by agency staff sent each day within pools of 2 homes (every rank sends
# the same workers to the same homes), whose staff isolate with symptoms with probability 0.5
# (every rank decides alike) and work in 2 units of a home each, and every home with a
# positive result tests everyone the next day (every rank samples the same people), and the
# residents are tested every 5 days.
ones='[1,1,1,1,1,1,1,1,1]'
severe_args=(sim run --people 3000 --days 40 --seed 5 --threads 1 --no-baseline --quiet
  --set "disease.hospitalised_fraction=$ones" --set "disease.critical_fraction=$ones"
  --set "disease.fatality_fraction=$ones" --set disease.hospital_mean_days=1
  --set disease.icu_beds_per_100k=100 --set disease.hospital_beds_per_100k=100
  --set hospital.staff_per_100k=2000 --set hospital.transmission_factor=2
  --set hospital.app_paused_at_work=false --set hospital.staff_test_every_days=2
  --set care_homes.residents_per_100k=3000 --set care_homes.transmission_factor=2
  --set care_homes.app_paused_at_work=false --set care_homes.staff_test_every_days=3
  --set care_homes.visits_per_week=3 --set care_homes.visits_closed_days=7
  --set care_homes.agency_share=0.3 --set care_homes.staff_symptom_isolation=0.5
  --set care_homes.agency_pool_homes=2 --set care_homes.staff_units=2
  --set care_homes.resident_zoning=0.7 --set care_homes.outbreak_testing=true
  --set care_homes.resident_test_every_days=5 --set care_homes.outbreak_agency_days=3)
one_and_two severe "${severe_args[@]}"
# And over three ranks: the homes, wards and agency pools split three ways.
"${mpi3[@]}" "$bin" "${severe_args[@]}" --out "$work/severe-three" >"$work/severe-three.stdout" \
  2>"$work/severe-three.stderr" || fail "mpirun -np 3 severe: $(cat "$work/severe-three.stderr")"
same_file "severe -np 3 timeseries.csv" "$work/severe-one/timeseries.csv" \
  "$work/severe-three/timeseries.csv"
more_than severe new_deaths 20 "deaths"
more_than severe hospital_denied 5 "patients denied a hospital bed"
more_than severe new_hospital 2 "staff infected by patients"
more_than severe screening_samples 100 "staff tests"
more_than severe new_care_home 5 "infections in care homes"
more_than severe new_resident_deaths 2 "residents died"
grep -q "^  whole-home test rounds / samples  *[1-9][0-9]* / [1-9]" "$work/severe-one/report.txt" ||
  fail "severe sim run: no whole-home test round in the report"
grep -q "^    samples of agency workers  *[1-9]" "$work/severe-one/report.txt" ||
  fail "severe sim run: no agency worker tested in a whole-home round"
grep -q "; staff tested every 3 days; residents tested every 5 days; " "$work/severe-one/report.txt" ||
  fail "severe sim run: the report does not name the residents' testing"

# A lockdown on days 8-15 and again 20-27 and the elderly shielded after the first (every rank
# thins the same random encounters
# and links, and each its own people's venue visits), one more window on days 2-3, a lockdown
# triggered by the positive
# tests (at least 5 days), and the app launched on day 5, 40 % of its users starting then,
# the others over days 5-14, and giving it up at 3 % a day (every rank draws the same days);
# seasonal forcing (every rank's
# contacts the same factor);
# 9 samples a day (every rank queues the same samples); a second variant from day 3 (every
# rank imports the same people, and each rank's contacts carry its infectiousness); the
# per-contact hazard x1.3 from day 4 and x0.8 from day 18, and from day 6 outside households
# x0.5 to x0.8 (each rank's contacts alike); 15
# people screened a day (every rank draws the same, in the same queue for the capacity);
# individual infectiousness (every rank the same multipliers); RED contacts self-testing daily
# instead of quarantine (every rank keeps the same list of testers); uploads 2 days after the
# result, give or take 1, but for half, not by phones given up meanwhile (every rank keeps the
# same queue);
# symptom self-reports uploaded (every rank draws the same reports), revoked on a negative
# test and upgraded on a positive one (every rank revises the same keys; each rank's phones
# take their windows off and add them as revised).
lockdown_args=(sim run --people 3000 --days 30 --seed 6 --threads 1 --no-baseline --quiet
  --set disease.infectiousness_sd=1.4
  --lockdown 8-15,2-3 --set lockdown.repeat_every_days=12 --set lockdown.elderly_start_day=8
  --set lockdown.elderly_days=22
  --set app.start_day=5 --set app.ramp_days=10 --set app.ramp_launch_share=0.4
  --set app.dropout_per_day=0.03
  --set disease.seasonality_amplitude=0.3 --set disease.seasonality_peak_day_of_year=100
  --set lockdown.trigger_incidence=200
  --set lockdown.min_days=5 --set testing.tests_per_day_per_100k=300 --set variant.day=3
  --set variant.imports=10 --set 'disease.transmission_changes=[[4,1.3],[18,0.8]]'
  --set 'disease.transmission_changes_by_layer=[[6,1,0.5,0.8,0.8]]'
  --set testing.screening_per_day_per_100k=500 --set app.red_daily_test_days=5
  --set app.upload_delay_days=2 --set app.upload_same_day_share=0.5
  --set app.upload_delay_spread_days=1
  --set app.symptom_report_share=0.3 --set app.revoke_on_negative=true
  --set app.upgrade_on_positive=true)
one_and_two lockdown "${lockdown_args[@]}"
grep -q "^app: launched on day 5, 40 % of its users starting that day and the others evenly \
over days 5-14 " "$work/lockdown-one/report.txt" || fail "lockdown sim run: no launch-day share"
grep -q "^  symptom self-reports / infected  *[1-9][0-9]* / " "$work/lockdown-one/report.txt" ||
  fail "lockdown sim run: no symptom self-report"
grep -q "^  self-reports revoked / infected  *[1-9][0-9]* / " "$work/lockdown-one/report.txt" ||
  fail "lockdown sim run: no self-report revoked"
grep -q "^  self-reports upgraded to a test  *[1-9]" "$work/lockdown-one/report.txt" ||
  fail "lockdown sim run: no self-report upgraded"
grep -q "^app: a positive user who consents uploads 1 to 3 days after the result, each day \
alike (50 % on the result's day)$" \
  "$work/lockdown-one/report.txt" || fail "lockdown sim run: the report does not name the upload delay"
grep -q "^  contacts' self-tests / positive  *[1-9][0-9]* / " "$work/lockdown-one/report.txt" ||
  fail "lockdown sim run: no RED contact's self-test"
grep -q "^transmission: the per-contact hazard x1.3 from day 4, x0.8 from day 18$" \
  "$work/lockdown-one/report.txt" || fail "lockdown sim run: the report does not name the changes"
screened=$(column_sum screening_samples "$work/lockdown-one/timeseries.csv")
[ "$screened" -gt 300 ] || fail "lockdown sim run: only $screened screening samples"
waited=$(column_sum test_backlog "$work/lockdown-one/timeseries.csv")
[ "$waited" -gt 0 ] || fail "lockdown sim run: no sample waited for a test"
variant=$(column_sum variant_infections "$work/lockdown-one/timeseries.csv")
[ "$variant" -gt 10 ] || fail "lockdown sim run: the variant infected only $variant"
grep -q '^lockdown: everyone days 8-15, again every 12 days and days 2-3 ' \
  "$work/lockdown-one/report.txt" || fail "lockdown sim run: the report does not name the lockdown"
first_days=$(column_of lockdown "$work/lockdown-one/timeseries.csv" | head -4 | tr -d '\n')
[ "$first_days" = "0011" ] || fail "lockdown sim run: days 0-3 locked down $first_days, not 0011"
if "$bin" sim run --people 100 --days 5 --lockdown 9-3 --out "$work/bad-lockdown" \
  >"$work/bad-lockdown.out" 2>&1; then
  fail "sim run --lockdown 9-3 exited 0"
fi
grep -q "expected FIRST-LAST days with FIRST <= LAST" "$work/bad-lockdown.out" ||
  fail "sim run --lockdown 9-3: $(cat "$work/bad-lockdown.out")"

# Manual tracing: every rank gathers the contacts people recall and traces alike (OpenABM's
# interviews for 3,000 people, 5 a day: cases wait); and a
# vaccination campaign from day 2, protecting after 7 days (every rank vaccinates the same
# people, and each leaves its people's immune out of its contacts' infections), with a second
# variant from day 10 that half escapes the vaccine's protection from infection (the ranks'
# contacts carry each infector's variant), and protection waning with a half-life of 20 days,
# restored by boosters 20 days after the first dose, and less protection for those over 60
# (efficacy by age); the recovered are infected again (an
# infection protects 30 % from reinfection, halving every 10 days, half as much from the
# variant: the ranks' contacts leave out the same protected people). Tracers trace 5 days
# further back (with 36 calls a day, so that backward names, called when no other waits, are
# called) and quarantine from the last meeting, and ask restaurants and event halls for their
# guest lists (each rank holds everyone's visits), whose names are called after the recalled
# ones, and give up names met 10 or more days before; cases not interviewed within 3 days
# inform their contacts themselves, and the called self-test daily instead of quarantining
# (every rank keeps the same testers); the report (cases found by tracing, infectors named,
# calls from guest lists, names given up, cases informing their contacts) is the same.
tracing_args=(sim run --people 3000 --days 40 --seed 4 --threads 1 --no-baseline --quiet
  --manual-tracing --set manual_tracing.backward_days=5
  --set manual_tracing.notifications_per_worker_day=40
  --set manual_tracing.quarantine_from_meeting=true
  --set "manual_tracing.guest_lists=[0,0.7,0.9]" --set manual_tracing.lists_last=true
  --set manual_tracing.call_within_days=10 --set manual_tracing.self_notify_after_days=3
  --set manual_tracing.daily_test_days=5
  --vaccinate 1000 --set vaccination.start_day=2
  --set vaccination.days_to_protect=7 --set variant.day=10 --set variant.imports=10
  --set variant.vaccine_escape_infection=0.5 --set vaccination.waning_half_life_days=20
  --set vaccination.booster_after_days=20 --reinfection
  --set "vaccination.efficacy_factor_by_age=[1,1,1,1,1,1,0.9,0.8,0.7]"
  --set immunity.efficacy_infection=0.3 --set immunity.waning_half_life_days=10
  --set variant.immunity_escape_infection=0.5 --events)
one_and_two tracing "${tracing_args[@]}"
for f in transmissions.csv exposures.csv; do
  same_file "reinfection sim run $f" "$work/tracing-one/$f" "$work/tracing-two/$f"
done
reinfections=$(column_sum reinfections "$work/tracing-one/timeseries.csv")
[ "$reinfections" -gt 20 ] || fail "reinfection sim run: only $reinfections reinfections"
grep -q "^  escaping the immunity of an infection with the first: against it efficacy 0.15 / " \
  "$work/tracing-one/report.txt" || fail "reinfection sim run: the report does not name the escape"
breakthrough=$(column_sum breakthrough_infections "$work/tracing-one/timeseries.csv")
[ "$breakthrough" -gt 0 ] || fail "vaccine escape sim run: no breakthrough infections"
grep -q "^  calls from guest lists only  *[1-9]" "$work/tracing-one/report.txt" ||
  fail "guest lists sim run: no call from a guest list"
grep -q "^  names given up (meeting too old)  *[1-9]" "$work/tracing-one/report.txt" ||
  fail "manual tracing sim run: no name given up"
grep -q "^  cases informing contacts themselves  *[1-9]" "$work/tracing-one/report.txt" ||
  fail "manual tracing sim run: no case informing its contacts"
grep -q "^  contacts' self-tests / positive  *[1-9][0-9]* / " "$work/tracing-one/report.txt" ||
  fail "manual tracing sim run: no called contact's self-test"
boosted=$(column_sum new_boosted "$work/tracing-one/timeseries.csv")
[ "$boosted" -gt 400 ] || fail "booster sim run: only $boosted boosted"
called=$(column_sum manual_traced "$work/tracing-one/timeseries.csv")
[ "$called" -gt 20 ] || fail "manual tracing sim run: only $called calls"
vaccinated=$(column_sum new_vaccinated "$work/tracing-one/timeseries.csv")
[ "$vaccinated" -eq 1140 ] || fail "vaccination sim run: $vaccinated vaccinated, not 38 x 30"
grep -q "^vaccination: 30 people a day (1000 per 100,000 people) from day 2, oldest first" \
  "$work/tracing-one/report.txt" || fail "vaccination sim run: the report does not name it"
grep -q "^vaccination efficacy by age (every efficacy times): 1/1/1/1/1/1/0.9/0.8/0.7$" \
  "$work/tracing-one/report.txt" || fail "vaccination sim run: the report does not name efficacy by age"
grep -q "^manual tracing: 30 tracers per 100,000 (5 interviews and 36 calls a day)" \
  "$work/tracing-one/report.txt" || fail "manual tracing sim run: the report does not name it"
grep -q "^  calls from the backward window  *[1-9]" "$work/tracing-one/report.txt" ||
  fail "manual tracing sim run: no backward call"
[ "$(strip_time "$work/tracing-one/report.txt")" = "$(strip_time "$work/tracing-two/report.txt")" ] ||
  fail "manual tracing sim run: report.txt differs: $(diff <(strip_time "$work/tracing-one/report.txt") <(strip_time "$work/tracing-two/report.txt"))"

# Regions: five blocks of households (the ranks' people and the regions' boundaries differ),
# the first cases in one, uptake by region, commuting and travel between neighbours in a
# chain (matrices), imported cases in another region, schools closed for a week, a regional
# lockdown on each region's positives, a test capacity per region, RED contacts' quarantine
# counted from the last day of high-risk exposure (each rank sends its phones' days with
# their notices) and ended by a negative test from its day 3 (every rank orders and reads the
# same tests); each
# rank counts its people's regions and the ranks add them up, and every rank locks the same
# regions: the same regions.csv (with and without the app) as one process.
chain='[[4,1,0,0,0],[1,4,1,0,0],[0,1,4,1,0],[0,0,1,4,1],[0,0,0,1,4]]'
regions_args=(sim run --people 3000 --days 30 --seed 8 --threads 1 --quiet
  --set lockdown.regional=true --set population.regions=5 --set disease.seed_region=3
  --set 'app.uptake_by_region=[1.3,0.2,1,1,0.7]' --set contacts.travel_share=0.3
  --set "population.commuting_matrix=$chain" --set "contacts.travel_matrix=$chain"
  --set disease.imports_per_day=1.5 --set disease.imports_region=0
  --set 'lockdown.schools_closed=[[5,12]]' --set lockdown.trigger_incidence=100
  --set testing.tests_per_day_per_100k=1000 --set testing.capacity_by_region=true
  --set app.red_release_test_day=3 --set app.red_quarantine_from_exposure=true)
one_and_two_files regions "timeseries.csv regions.csv regions_without_app.csv" "${regions_args[@]}"
grep -q "^  release tests / released / infected  [1-9][0-9]* / [1-9][0-9]* / " \
  "$work/regions-one/report.txt" || fail "regions sim run: no RED contact released by a test"
[ "$(grep -c '^29,' "$work/regions-one/regions.csv")" -eq 5 ] ||
  fail "regions sim run: regions.csv has not 5 regions on day 29"
grep -q "^regions: 5 (equal sizes); 10 % of workers commute by commuting_matrix, 30 % of random \
encounters and venue visits by travel_matrix" \
  "$work/regions-one/report.txt" || fail "regions sim run: the report does not name the regions"
imported=$(column_sum imported "$work/regions-one/timeseries.csv")
[ "$imported" -gt 20 ] || fail "imports sim run: only $imported imported cases"
grep -q "^testing: 1000 samples a day per 100,000 people, each region its own (rounded per region); " \
  "$work/regions-one/report.txt" || fail "regions sim run: the report does not name the test capacity"
region_days=$(column_sum regions_locked "$work/regions-one/timeseries.csv")
[ "$region_days" -gt 5 ] || fail "regional lockdown sim run: only $region_days region-days locked"

# Regions keep most contacts on one rank (a region's people are consecutive, as a rank's):
# `sim bench` over two ranks counts the encounter runs sent to the broadcaster's rank, far
# fewer with two regions than with one.
sent_share() {
  "${mpi[@]}" "$bin" sim bench --people 20000 --days 5 --threads 1 "$@" 2>"$work/bench.stderr" |
    sed -n 's/^all ranks: CPU [0-9.]* s, runs sent to other ranks \([0-9.]*\) %.*/\1/p'
}
one_region=$(sent_share)
two_regions=$(sent_share --set population.regions=2)
if [ -z "$one_region" ] || [ -z "$two_regions" ]; then
  fail "sim bench over two ranks: no runs-sent line ($(cat "$work/bench.stderr"))"
elif ! awk -v a="$one_region" -v b="$two_regions" 'BEGIN { exit !(a > 15 && b < a / 2) }'; then
  fail "sim bench over two ranks: runs sent $one_region % with one region, $two_regions % with two"
fi

# A fit of one setting to observed positives over two ranks (rank 0 runs points 0 and 2,
# rank 1 points 1 and 3): the same fit.csv and fit.txt as one process.
printf 'day,positives\n5,1\n10,3\n15,4\n20,6\n' >"$work/observed.csv"
one_and_two_files fit "fit.csv fit.txt config.json" sim fit --people 2000 --days 25 --seeds 1,2 \
  --threads 1 --quiet --data "$work/observed.csv" --vary disease.infectious_rate=5,7
[ "$(grep -c '^disease.infectious_rate,\|^[57],[12],' "$work/fit-one/fit.csv")" -eq 5 ] ||
  fail "sim fit: fit.csv has not its header and 4 runs"
# Bad observations are refused with what is wrong: a missing file, a bad line by its number.
if "$bin" sim fit --data "$work/none.csv" --vary disease.infectious_rate=5 --out "$work/fit-bad" \
  >"$work/fit-bad.out" 2>&1; then
  fail "sim fit with a missing --data file exited 0"
fi
grep -q -- "--data: cannot read $work/none.csv: No such file or directory" "$work/fit-bad.out" ||
  fail "sim fit, missing --data file: $(cat "$work/fit-bad.out")"
printf 'day,positives\n5,1\n4,2\n' >"$work/unordered.csv"
if "$bin" sim fit --data "$work/unordered.csv" --vary disease.infectious_rate=5 \
  --out "$work/fit-bad" >"$work/fit-bad.out" 2>&1; then
  fail "sim fit with days out of order exited 0"
fi
grep -q "unordered.csv: line 3: day 4 does not follow day 5" "$work/fit-bad.out" ||
  fail "sim fit, days out of order: $(cat "$work/fit-bad.out")"
# A fit that cannot write fit.csv keeps its runs (OUT/fit-runs); resumed over two ranks it
# writes the bytes of the uninterrupted fit and drops the runs.
fit_args=(sim fit --people 2000 --days 25 --seeds 1,2 --threads 1 --quiet
  --data "$work/observed.csv" --vary disease.infectious_rate=5,7)
mkdir -p "$work/fit-cut/fit.csv"
if "$bin" "${fit_args[@]}" --out "$work/fit-cut" >"$work/fit-cut.out" 2>&1; then
  fail "sim fit exited 0 though fit.csv could not be written"
fi
[ "$(find "$work/fit-cut/fit-runs" -name '*.json' | wc -l)" -eq 4 ] ||
  fail "sim fit: the failed fit did not keep its 4 runs"
rmdir "$work/fit-cut/fit.csv"
"${mpi[@]}" "$bin" "${fit_args[@]}" --resume --out "$work/fit-cut" >"$work/fit-cut2.out" \
  2>"$work/fit-cut2.err" || fail "mpirun -np 2 sim fit --resume: $(cat "$work/fit-cut2.err")"
for f in fit.csv fit.txt; do
  same_file "sim fit --resume $f" "$work/fit-one/$f" "$work/fit-cut/$f"
done
[ ! -e "$work/fit-cut/fit-runs" ] || fail "sim fit --resume: the runs were not removed"

# A sweep of three uptakes for two values of a varied setting over two ranks (rank 0 runs
# points 0, 2 and 4, rank 1 points 1, 3 and 5).
sweep_args=(sim sweep --people 2000 --days 20 --uptake 0,0.5,1 --seeds 3 --threads 1 --quiet
  --vary vaccination.people_per_day_per_100k=0,2000)
one_and_two_files sweep "sweep.csv sweep_daily.csv sweep.txt config.json" "${sweep_args[@]}"
[ "$(grep -c '^vaccination.people_per_day_per_100k = ' "$work/sweep-one/sweep.txt")" -eq 2 ] ||
  fail "sim sweep --vary: sweep.txt has not one table per value"
# A sweep whose outputs cannot be written keeps its finished runs (OUT/sweep-runs); with four of
# its six runs dropped, as if it had been stopped after two, it is refused without --resume,
# and resumed over two ranks it writes the bytes of the uninterrupted sweep and drops the runs.
mkdir -p "$work/sweep-cut/sweep.csv"
if "$bin" "${sweep_args[@]}" --out "$work/sweep-cut" >"$work/sweep-cut.out" 2>&1; then
  fail "sim sweep exited 0 without writing sweep.csv"
fi
rmdir "$work/sweep-cut/sweep.csv"
[ "$(ls "$work/sweep-cut/sweep-runs" | grep -c '\.json$')" -eq 6 ] ||
  fail "sim sweep did not keep its six runs: $(ls "$work/sweep-cut/sweep-runs")"
ls "$work/sweep-cut/sweep-runs/"*.json | head -4 | xargs rm -f
if "$bin" "${sweep_args[@]}" --out "$work/sweep-cut" >"$work/sweep-cut.out" 2>&1; then
  fail "sim sweep over an interrupted sweep's runs exited 0 without --resume"
fi
grep -q "holds 2 finished run(s) of an interrupted sweep: add --resume" "$work/sweep-cut.out" ||
  fail "sim sweep without --resume: $(cat "$work/sweep-cut.out")"
"${mpi[@]}" "$bin" "${sweep_args[@]}" --resume --out "$work/sweep-cut" \
  >"$work/sweep-cut.out" 2>&1 || fail "mpirun -np 2 sim sweep --resume: $(cat "$work/sweep-cut.out")"
for f in sweep.csv sweep_daily.csv sweep.txt config.json; do
  same_file "sim sweep --resume $f" "$work/sweep-one/$f" "$work/sweep-cut/$f"
done
[ ! -e "$work/sweep-cut/sweep-runs" ] || fail "sim sweep --resume left its runs behind"
# The same for a threshold sweep (one process): its three runs (the seed's without the app and
# two points) kept when threshold_sweep.csv cannot be written, then resumed into the bytes of
# an uninterrupted sweep.
ts_args=(sim threshold-sweep --people 1500 --days 20 --offsets 0,4 --minutes 13 --quiet)
"$bin" "${ts_args[@]}" --out "$work/ts-one" >/dev/null 2>&1 || fail "sim threshold-sweep failed"
mkdir -p "$work/ts-cut/threshold_sweep.csv"
"$bin" "${ts_args[@]}" --out "$work/ts-cut" >/dev/null 2>&1 &&
  fail "sim threshold-sweep exited 0 without writing threshold_sweep.csv"
rmdir "$work/ts-cut/threshold_sweep.csv"
[ "$(ls "$work/ts-cut/threshold-sweep-runs" | grep -c '\.json$')" -eq 3 ] ||
  fail "sim threshold-sweep did not keep its three runs"
"$bin" "${ts_args[@]}" --resume --out "$work/ts-cut" >"$work/ts-cut.out" 2>&1 ||
  fail "sim threshold-sweep --resume: $(cat "$work/ts-cut.out")"
for f in threshold_sweep.csv threshold_sweep.txt; do
  same_file "sim threshold-sweep --resume $f" "$work/ts-one/$f" "$work/ts-cut/$f"
done
[ ! -e "$work/ts-cut/threshold-sweep-runs" ] || fail "sim threshold-sweep --resume left its runs"
for bad in "vaccination.people_per_day_per_100k" "vaccination.doses=1,2"; do
  if "$bin" sim sweep --people 100 --days 2 --uptake 0 --quiet --vary "$bad" \
    --out "$work/bad-vary" >"$work/bad-vary.out" 2>&1; then
    fail "sim sweep --vary $bad exited 0"
  fi
  grep -q -- "--vary" "$work/bad-vary.out" || fail "sim sweep --vary $bad: $(cat "$work/bad-vary.out")"
done

# Random combinations of settings (a fixed draw from a table of values away from the defaults,
# as tests/sim/setting_combinations_test.cpp draws in one process): the first four that one
# process runs (a refused combination is skipped) write the same timeseries.csv over two ranks,
# and the first also over three. A failure names the combination. The health code and the
# relay adversary, which run in one process only, are left out (their refusal is below).
combo_table=(
  app.uptake=0.3 app.uptake=0.9 app.start_day=5 app.ramp_days=10 app.dropout_per_day=0.01
  app.upload_consent=1 app.checkin_probability=1 app.red_isolation_days=5
  app.household_isolation_on_red=true app.red_quarantine_from_exposure=true
  app.red_daily_test_days=3 app.red_release_test_day=3 app.upload_delay_days=4
  app.upload_same_day_share=0.5 app.symptom_report_share=0.3 app.yellow_test_probability=1
  app.chaff_per_day=2 testing.order_delay_days=0 testing.result_delay_days=3
  testing.sensitivity=0.5 testing.specificity=0.9 testing.isolation_daily_dropout=0.2
  testing.tests_per_day_per_100k=100 testing.max_wait_days=3 testing.capacity_by_region=true
  testing.screening_per_day_per_100k=1000 disease.imports_per_day=2
  disease.false_symptom_rate=0.01 disease.icu_beds_per_100k=40 disease.seasonality_amplitude=0.3
  disease.infectiousness_sd=1 population.regions=3 population.commuter_share=0.2
  contacts.travel_share=0.3 radio.model=clean radio.missed_scan_probability=0.5
  manual_tracing.enabled=true manual_tracing.workers_per_100k=100 manual_tracing.backward_days=3
  manual_tracing.self_notify_after_days=2 manual_tracing.release_test_day=3
  care_homes.residents_per_100k=2000 care_homes.visits_per_week=2 care_homes.agency_share=0.25
  care_homes.outbreak_testing=true hospital.staff_per_100k=1000 hospital.staff_test_every_days=3
  lockdown.start_day=10 lockdown.days=10 lockdown.trigger_incidence=50 lockdown.regional=true
  lockdown.elderly_start_day=5 vaccination.people_per_day_per_100k=1000
  vaccination.waning_half_life_days=30 variant.day=10 variant.imports=5
  immunity.reinfection=true risk.high_threshold_minutes=5)
RANDOM=20261207
combos_run=0
combo_draws=0
while [ "$combos_run" -lt 4 ] && [ "$combo_draws" -lt 12 ]; do
  combo_draws=$((combo_draws + 1))
  combo=()
  picked=" "
  for _ in 1 2 3 4 5 6; do
    setting=${combo_table[$((RANDOM % ${#combo_table[@]}))]}
    key=${setting%%=*}
    case "$picked" in *" $key "*) continue ;; esac
    picked+="$key "
    combo+=(--set "$setting")
  done
  combo_args=(sim run --people 3000 --days 30 --seed "$combo_draws" --threads 1 --no-baseline
    --quiet "${combo[@]}")
  name="combo$combo_draws"
  if ! "$bin" "${combo_args[@]}" --out "$work/$name-one" >"$work/$name-one.stdout" 2>&1; then
    named=0
    for key in $picked; do
      grep -q "^greenlight: error: .*$key" "$work/$name-one.stdout" && named=1
    done
    [ "$named" -eq 1 ] ||
      fail "$name (${combo[*]}) refused without naming a setting: $(cat "$work/$name-one.stdout")"
    continue
  fi
  combos_run=$((combos_run + 1))
  "${mpi[@]}" "$bin" "${combo_args[@]}" --out "$work/$name-two" >/dev/null \
    2>"$work/$name-two.stderr" || fail "mpirun -np 2 $name (${combo[*]}): $(cat "$work/$name-two.stderr")"
  same_file "$name (${combo[*]}) over two ranks: timeseries.csv" \
    "$work/$name-one/timeseries.csv" "$work/$name-two/timeseries.csv"
  if [ "$combos_run" -eq 1 ]; then
    "${mpi3[@]}" "$bin" "${combo_args[@]}" --out "$work/$name-three" >/dev/null \
      2>"$work/$name-three.stderr" ||
      fail "mpirun -np 3 $name (${combo[*]}): $(cat "$work/$name-three.stderr")"
    same_file "$name (${combo[*]}) over three ranks: timeseries.csv" \
      "$work/$name-one/timeseries.csv" "$work/$name-three/timeseries.csv"
  fi
done
[ "$combos_run" -eq 4 ] || fail "only $combos_run of $combo_draws random combinations ran"

# A command's own size (compare and threshold-sweep 20,000 people for 90 days, bench 100,000
# for 30) gives way to a config file's and to --set, not only to --people / --days.
size_of() {
  python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))
print(c["population"]["people"], c["run"]["days"])' "$1"
}
"$bin" sim compare --set population.people=1000 --set run.days=3 --quiet \
  --out "$work/size-compare" >/dev/null 2>&1 || fail "sim compare with --set sizes failed"
[ "$(size_of "$work/size-compare/config.json")" = "1000 3" ] ||
  fail "sim compare --set population.people=1000 --set run.days=3 ran $(size_of "$work/size-compare/config.json")"
printf '{"population": {"people": 1200}, "run": {"days": 4}}' >"$work/size.json"
"$bin" sim threshold-sweep --config "$work/size.json" --offsets 0 --minutes 13 --quiet \
  --out "$work/size-ts" >/dev/null 2>&1 || fail "sim threshold-sweep with a config file failed"
[ "$(size_of "$work/size-ts/config.json")" = "1200 4" ] ||
  fail "sim threshold-sweep --config (1200 people, 4 days) ran $(size_of "$work/size-ts/config.json")"
"$bin" sim compare --help | grep -q -- "--people UINT.*(default 20000)" ||
  fail "sim compare --help does not name its 20000 people"
"$bin" sim bench --help | grep -q -- "--days UINT.*(default 30)" ||
  fail "sim bench --help does not name its 30 days"

# An error stops every rank, with the rank and the message.
for one_process in health_code.enabled=true adversary.relay_venue_share=0.1; do
  if "${mpi[@]}" "$bin" sim run --people 1000 --days 2 --quiet --set "$one_process" \
    --out "$work/bad" >"$work/bad.stdout" 2>"$work/bad.stderr"; then
    fail "mpirun -np 2 sim run --set $one_process exited 0"
  fi
  grep -q "rank [01] of 2: the health-code comparison and the relay adversary run in one \
process, not over 2 MPI ranks" "$work/bad.stderr" ||
    fail "mpirun -np 2 sim run --set $one_process: $(cat "$work/bad.stderr")"
done
if "${mpi[@]}" "$bin" sim run --people 3000 --days 2 --set app.uptake=7 --quiet \
  --out "$work/bad" >"$work/bad.stdout" 2>"$work/bad.stderr"; then
  fail "mpirun -np 2 with a bad setting exited 0"
fi
grep -q "rank [01] of 2: app.uptake must be in \[0, 1\]" "$work/bad.stderr" ||
  fail "no rank error line: $(cat "$work/bad.stderr")"

# Lists of values refused by name: a value twice (it would be run and counted twice), a number
# that is none, seeds that are not whole numbers; threshold-sweep without app users or with a
# fraction of a dB (the client's thresholds are whole dB).
refused_cli() {
  local message=$1
  shift
  if "$bin" "$@" --people 500 --days 3 --quiet --out "$work/cli-bad" >"$work/cli-bad.out" 2>&1; then
    fail "$* exited 0"
  fi
  grep -qF -- "$message" "$work/cli-bad.out" || fail "$*: $(cat "$work/cli-bad.out")"
  [ ! -e "$work/cli-bad/sweep-runs" ] && [ ! -e "$work/cli-bad/threshold-sweep-runs" ] ||
    fail "$*: left runs behind"
}
refused_cli "--seeds: 1 given twice" sim sweep --uptake 0,0.5 --seeds 1,2,1
refused_cli "--uptake: 0.5 given twice" sim sweep --uptake 0.5,0.5
printf 'day,positives\n1,2\n' >"$work/observed-short.csv"
refused_cli "--vary: 5 given twice" sim fit --data "$work/observed-short.csv" \
  --vary disease.infectious_rate=5,5
refused_cli "--uptake: expected comma-separated numbers (0 and 1 for a switch), got 'nan'" \
  sim sweep --uptake nan
refused_cli "--minutes: expected comma-separated numbers (0 and 1 for a switch), got 'nan'" \
  sim threshold-sweep --minutes nan,1e9
refused_cli "--seeds must be comma-separated non-negative integers below 2^64, got '1.5'" \
  sim sweep --uptake 0 --seeds 1.5
refused_cli "threshold-sweep needs app users: app.uptake (--uptake) must be above 0" \
  sim threshold-sweep --uptake 0
refused_cli "--offsets must be whole dB" sim threshold-sweep --offsets=0,0.5
# Every offset is checked before the first run (200 dB ran the reference first, then stopped
# and left its runs behind).
refused_cli "offset 200 dB, 13 minutes: risk.attenuation_thresholds_db and \
min_minutes_attenuation_db must be whole dB in [0, 255]" sim threshold-sweep --offsets=0,200 \
  --minutes 13
# The per-phone check is reported by sim run only: refused elsewhere (it slowed every run
# and showed nothing), and not varied.
refused_cli "run.verify_phones: sim sweep does not report the per-phone check" \
  sim sweep --uptake 0.5 --set run.verify_phones=2
refused_cli "run.verify_phones: sim compare does not report the per-phone check" \
  sim compare --set run.verify_phones=2
refused_cli "run.verify_phones changes no run of a fit" sim fit --data "$work/observed-short.csv" \
  --vary run.verify_phones=0,2
# A full config file's radio.model comes after --radio: said in a warning.
"$bin" sim config >"$work/full.json" || fail "sim config failed"
"$bin" sim run --config "$work/full.json" --radio clean --people 500 --days 2 --quiet \
  --no-baseline --out "$work/radio-file" >/dev/null 2>"$work/radio-file.err" ||
  fail "sim run --config full.json --radio clean: $(cat "$work/radio-file.err")"
grep -qF "full.json sets radio.model to calibrated, after --radio clean: the run uses the file's" \
  "$work/radio-file.err" || fail "no warning of the file's radio model: $(cat "$work/radio-file.err")"
# sim fit takes observations beyond the base --days when --vary run.days reaches them (it
# checked them against the base --days), and refuses a varied length that ends before them.
printf 'day,positives\n1,2\n6,3\n' >"$work/observed-late.csv"
"$bin" sim fit --data "$work/observed-late.csv" --people 500 --days 3 --vary run.days=8,9 \
  --threads 1 --quiet --out "$work/fit-days" >"$work/fit-days.out" 2>&1 ||
  fail "sim fit --days 3 --vary run.days=8,9 with day 6 observed: $(cat "$work/fit-days.out")"
refused_cli "the observations reach day 6, the run ends before it" sim fit \
  --data "$work/observed-late.csv" --vary run.days=5,9
# More initial cases than people: everyone is infected, and a warning says so.
"$bin" sim run --people 50 --days 2 --quiet --no-baseline --set disease.initial_infections=100 \
  --out "$work/all-infected" >/dev/null 2>"$work/all-infected.err" ||
  fail "sim run with 100 initial cases among 50: $(cat "$work/all-infected.err")"
grep -qF "disease.initial_infections (100) is more than the 50 people: all of them are infected" \
  "$work/all-infected.err" || fail "no warning of the initial cases: $(cat "$work/all-infected.err")"
# radio-plot has no options of the population or the epidemic (they changed nothing), and
# compare takes --seeds only for a --sweep (they were ignored).
refused_cli "The following arguments were not expected: 3 --days 500 --people" sim radio-plot \
  --contacts 10
if "$bin" sim compare --seeds 1,2 --people 500 --days 2 --quiet --out "$work/cmp-seeds" \
  >"$work/cmp-seeds.out" 2>&1; then
  fail "sim compare --seeds without --sweep exited 0"
fi
grep -qF -- "--seeds is for a --sweep; one comparison runs at --seed" "$work/cmp-seeds.out" ||
  fail "sim compare --seeds without --sweep: $(cat "$work/cmp-seeds.out")"
# Without gnuplot the plots are skipped with one warning (it came twice when another warning
# came between).
env PATH=/nonexistent "$bin" sim run --people 500 --days 20 --quiet --no-baseline \
  --out "$work/no-gnuplot" >/dev/null 2>"$work/no-gnuplot.err" ||
  fail "sim run without gnuplot: $(cat "$work/no-gnuplot.err")"
[ "$(grep -c "gnuplot not found" "$work/no-gnuplot.err")" = 1 ] ||
  fail "without gnuplot the warning is not printed once: $(cat "$work/no-gnuplot.err")"
# sim bench measures the in-memory publisher: a server is refused, not ignored.
if "$bin" sim bench --people 500 --days 3 --set run.server=loopback >"$work/bench-bad.out" 2>&1; then
  fail "sim bench with run.server=loopback exited 0"
fi
grep -qF "sim bench measures the in-memory publisher without the per-phone check" \
  "$work/bench-bad.out" || fail "sim bench with a server: $(cat "$work/bench-bad.out")"
if "$bin" sim bench --people 500 --days 3 --server loopback >"$work/bench-bad.out" 2>&1; then
  fail "sim bench --server exited 0"
fi
# A config file's ranges are checked with --set and the options (its regions need the
# --people beside it).
printf '{"population": {"regions": 60}}' >"$work/regions.json"
"$bin" sim run --config "$work/regions.json" --people 6000 --days 2 --quiet --no-baseline \
  --out "$work/regions-file" >"$work/regions-file.out" 2>&1 ||
  fail "a config file with 60 regions and --people 6000: $(cat "$work/regions-file.out")"
# A seed above 2^53 is kept exactly (it went through a double: 2^53 + 1 became 2^53).
"$bin" sim sweep --people 500 --days 3 --uptake 0 --seeds 9007199254740993,18446744073709551615 \
  --threads 1 --quiet --out "$work/big-seed" >"$work/big-seed.out" 2>&1 ||
  fail "sim sweep with big seeds: $(cat "$work/big-seed.out")"
grep -q ",9007199254740993," "$work/big-seed/sweep.csv" &&
  grep -q ",18446744073709551615," "$work/big-seed/sweep.csv" ||
  fail "sim sweep: the big seeds are not in sweep.csv: $(cut -d, -f1-4 "$work/big-seed/sweep.csv")"

# A setting that begins after the run's last day is named in a warning (and the run goes on).
"$bin" sim run --people 500 --days 5 --quiet --set 'lockdown.schools_closed=[[10,12]]' \
  --out "$work/late" >"$work/late.stdout" 2>"$work/late.stderr" ||
  fail "sim run with a late school closure failed: $(cat "$work/late.stderr")"
grep -q "^greenlight: warning: lockdown.schools_closed's window begins on day 10, after the \
run's last day (4): it changes nothing$" "$work/late.stderr" ||
  fail "no warning of a late school closure: $(cat "$work/late.stderr")"
# Under mpirun only rank 0 prints the warning (each rank printed it).
"${mpi[@]}" "$bin" sim run --people 500 --days 5 --quiet --set 'lockdown.schools_closed=[[10,12]]' \
  --out "$work/late-two" >"$work/late-two.stdout" 2>"$work/late-two.stderr" ||
  fail "mpirun -np 2 sim run with a late school closure failed: $(cat "$work/late-two.stderr")"
[ "$(grep -c "^greenlight: warning: lockdown.schools_closed" "$work/late-two.stderr")" = 1 ] ||
  fail "mpirun -np 2: the warning is not printed once: $(cat "$work/late-two.stderr")"

# Whole numbers are decimal (CLI11 read "010" as octal 8 and "0x10" as 16) and a seed past 2^64 - 1
# is refused (it became 2^64 - 1).
refused_cli "--seed: must be a decimal number, got 0x10" sim run --seed 0x10
refused_cli "--seed: must be at most 18446744073709551615, got 99999999999999999999999" \
  sim run --seed 99999999999999999999999
"$bin" sim run --people 500 --days 010 --seed 010 --no-baseline --quiet --out "$work/decimal" \
  >"$work/decimal.out" 2>&1 || fail "sim run --days 010: $(cat "$work/decimal.out")"
[ "$(($(wc -l <"$work/decimal/timeseries.csv") - 1))" = 10 ] ||
  fail "sim run --days 010 did not run 10 days: $(wc -l <"$work/decimal/timeseries.csv") lines"
grep -q "10 days, seed 10$" "$work/decimal/report.txt" ||
  fail "sim run --days 010 --seed 010: $(head -1 "$work/decimal/report.txt")"

# --out is checked before the work (compare ran its four arms, then found it could not write).
: >"$work/a-file"
for cmd in "run" "compare" "sweep --uptake 0,1" "threshold-sweep --offsets 0"; do
  read -r -a cmd_args <<<"$cmd"
  if "$bin" sim "${cmd_args[@]}" --people 500 --days 3 --quiet --out "$work/a-file" \
    >"$work/out-file.out" 2>&1; then
    fail "sim $cmd --out a file exited 0"
  fi
  grep -qFx "greenlight: error: --out $work/a-file is not a folder" "$work/out-file.out" ||
    fail "sim $cmd --out a file: $(cat "$work/out-file.out")"
done
if "$bin" sim run --people 500 --days 3 --quiet --out "" >"$work/out-empty.out" 2>&1; then
  fail "sim run --out '' exited 0"
fi
grep -qF "an output folder is needed" "$work/out-empty.out" ||
  fail "sim run --out '': $(cat "$work/out-empty.out")"

# A refused setting comes without warnings about other settings (a population of 0 was warned
# about the initial cases first).
if "$bin" sim run --people 0 --days 3 --quiet --out "$work/zero" >"$work/zero.out" 2>&1; then
  fail "sim run --people 0 exited 0"
fi
[ "$(cat "$work/zero.out")" = "greenlight: error: population.people must be at least 10" ] ||
  fail "sim run --people 0: $(cat "$work/zero.out")"

# A signal ends sim run --server as before (exit 128 + the signal) after removing the key
# server's temporary folder (each SIGINT or SIGTERM left one behind). SIGINT under job control:
# a background job of a script has SIGINT ignored, which stays ignored.
signalled_server() {
  local sig=$1 server=$2 tmp="$work/signal-tmp-$1"
  mkdir -p "$tmp"
  TMPDIR=$tmp "$bin" sim run --people 5000 --days 60 --server "$server" --quiet \
    --out "$work/signal-out" >"$work/signal.out" 2>&1 &
  local pid=$! i
  for i in $(seq 1 600); do
    compgen -G "$tmp/greenlight-sim-server-*" >/dev/null && break
    sleep 0.1
  done
  compgen -G "$tmp/greenlight-sim-server-*" >/dev/null || fail "sim run --server $server made no folder"
  kill "-$sig" "$pid"
  signal_rc=0
  wait "$pid" || signal_rc=$?
}
set -m
signalled_server TERM inprocess
[ "$signal_rc" = 143 ] || fail "SIGTERM of sim run --server inprocess: exit $signal_rc"
signalled_server INT loopback
[ "$signal_rc" = 130 ] || fail "SIGINT of sim run --server loopback: exit $signal_rc"
set +m
for sig in TERM INT; do
  [ -z "$(ls -A "$work/signal-tmp-$sig")" ] ||
    fail "SIG$sig left the key server's folder: $(ls "$work/signal-tmp-$sig")"
done

# A command removes the files the last finished command wrote into its --out (listed in
# .greenlight-outputs) before its work, and no others: a run without baseline left the earlier
# timeseries_without_app.csv beside its own files.
"$bin" sim run --people 500 --days 5 --quiet --out "$work/again" >/dev/null 2>&1 ||
  fail "sim run into a fresh folder failed"
grep -qx "timeseries_without_app.csv" "$work/again/.greenlight-outputs" ||
  fail "the run's outputs are not listed: $(cat "$work/again/.greenlight-outputs")"
echo "kept" >"$work/again/notes.txt"
"$bin" sim run --people 500 --days 5 --quiet --no-baseline --out "$work/again" >/dev/null 2>&1 ||
  fail "sim run --no-baseline into the same folder failed"
[ ! -e "$work/again/timeseries_without_app.csv" ] ||
  fail "an earlier run's timeseries_without_app.csv was left beside a run without baseline"
[ -s "$work/again/timeseries.csv" ] && [ "$(cat "$work/again/notes.txt")" = kept ] ||
  fail "the run's own file or a file of the user's is missing"
# Files in the folder that greenlight did not write stay, the command's own log too (a list by
# modification time took them and the next run removed them); a refused command removes
# nothing.
"$bin" sim run --people 500 --days 5 --quiet --out "$work/again" >"$work/again/run.log" 2>&1 ||
  fail "sim run logging into its folder failed"
"$bin" sim run --people 500 --days 5 --quiet --out "$work/again/" >"$work/again/run.log" 2>&1 ||
  fail "sim run logging into its folder (a trailing /) failed"
grep -q "^greenlight population simulation" "$work/again/run.log" ||
  fail "the run's own log in its folder was removed: $(ls "$work/again")"
! grep -q "run.log" "$work/again/.greenlight-outputs" ||
  fail "the run's log is listed as an output: $(cat "$work/again/.greenlight-outputs")"
if "$bin" sim sweep --people 500 --days 3 --vary disease.infectious_rat=5 --quiet \
  --out "$work/again" >/dev/null 2>&1; then
  fail "sim sweep with an unknown --vary key exited 0"
fi
[ -s "$work/again/report.txt" ] || fail "a refused sweep removed the earlier run's outputs"
"$bin" sim sweep --people 500 --days 3 --uptake 0,1 --quiet --out "$work/again" >/dev/null 2>&1 ||
  fail "sim sweep into a run's folder failed"
[ ! -e "$work/again/report.txt" ] && [ -s "$work/again/sweep.csv" ] ||
  fail "a sweep into a run's folder: $(ls "$work/again")"

# A folder or an endless device given as the config file is refused by name (a folder was
# "not valid JSON", /dev/zero was read without end); a pipe is read.
for input in "$work" /dev/zero; do
  if "$bin" sim run --config "$input" --people 500 --days 3 --quiet --out "$work/input-bad" \
    >"$work/input-bad.out" 2>&1; then
    fail "sim run --config $input exited 0"
  fi
  grep -q -- "^greenlight: error: --config: \(cannot read $input: Is a directory\|$input must \
be at most 16777216 bytes, got more\)$" "$work/input-bad.out" ||
    fail "sim run --config $input: $(cat "$work/input-bad.out")"
done
"$bin" sim run --config <(echo '{"run": {"days": 4}}') --people 500 --quiet --no-baseline \
  --out "$work/piped" >"$work/piped.out" 2>&1 || fail "sim run --config <(...): $(cat "$work/piped.out")"
grep -q "4 days, seed 1$" "$work/piped/report.txt" 2>/dev/null ||
  fail "sim run --config <(...) did not take the piped settings"

# A full disk fails the command, naming the file (a short file's failure showed only at its close,
# which went unchecked: exit 0 with empty files). /dev/full stands in for the full disk; a sweep
# keeps its finished runs for --resume (it removed them).
if "$bin" sim config >/dev/full 2>"$work/full-config.err"; then
  fail "sim config to a full disk exited 0"
fi
grep -qF "cannot write standard output: No space left on device" "$work/full-config.err" ||
  fail "sim config to a full disk: $(cat "$work/full-config.err")"
mkdir -p "$work/full-run" "$work/full-sweep"
ln -sf /dev/full "$work/full-run/reproduction.csv"
if "$bin" sim run --people 500 --days 3 --quiet --out "$work/full-run" >"$work/full-run.out" 2>&1; then
  fail "sim run with a full disk exited 0"
fi
grep -qF "cannot write $work/full-run/reproduction.csv: No space left on device" \
  "$work/full-run.out" || fail "sim run with a full disk: $(cat "$work/full-run.out")"
ln -sf /dev/full "$work/full-sweep/sweep.txt"
if "$bin" sim sweep --people 500 --days 3 --uptake 0,0.5 --quiet --out "$work/full-sweep" \
  >"$work/full-sweep.out" 2>&1; then
  fail "sim sweep with a full disk exited 0"
fi
grep -qF "cannot write $work/full-sweep/sweep.txt: No space left on device" \
  "$work/full-sweep.out" || fail "sim sweep with a full disk: $(cat "$work/full-sweep.out")"
[ "$(find "$work/full-sweep/sweep-runs" -name '*.json' 2>/dev/null | wc -l)" = 2 ] ||
  fail "sim sweep with a full disk did not keep its 2 finished runs"

# The one-process commands stop every rank with a message under mpirun -np 2 (compare ran a
# whole comparison on each rank, and its sweep's ranks collided on the same run files).
for one in "compare --people 500 --days 3" "compare --sweep app.uptake=0.3,0.6 --people 500" \
  "threshold-sweep --offsets 0 --people 500 --days 3" "radio-plot --contacts 100"; do
  read -r -a one_args <<<"$one"
  rm -rf "$work/one-process"
  if "${mpi[@]}" "$bin" sim "${one_args[@]}" --quiet \
    --out "$work/one-process" >"$work/one-process.stdout" 2>"$work/one-process.stderr"; then
    fail "mpirun -np 2 sim $one exited 0"
  fi
  grep -q "rank [01] of 2: sim ${one_args[0]} runs in one process: start it without mpirun" \
    "$work/one-process.stderr" || fail "mpirun -np 2 sim $one: $(cat "$work/one-process.stderr")"
  [ ! -e "$work/one-process/compare.csv" ] && [ ! -e "$work/one-process/compare-sweep-runs" ] ||
    fail "mpirun -np 2 sim $one wrote files"
done

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "sim MPI tests passed"
