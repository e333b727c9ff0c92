"""Airflow DAGs for the anime ETL: the same commands as cron and systemd.

Copy this file into Airflow's dags/ folder on a worker that has Deno and a checkout of the
project; set ANIME_ETL_HOME to the checkout (default /srv/anime-etl). Airflow is not a dependency
of the project: this file is an example, checked by tests/schedule_test.ts.

anime_etl, daily at 06:00 UTC (an hour before the 07:00 deadline): etl
(`deno task etl --trigger airflow`, retried by Airflow) >> dashboard (`deno task dashboard`, run
even when the ETL failed, so that the dashboard shows the failure).

anime_etl_deadline, daily at 07:05 UTC (right after the deadline): deadline_check
(`deno task deadline:check`: exit 1 and a 'late' or 'missed' row in etl.deadline_checks when no run
finished by 07:00, so the DAG run fails visibly) >> dashboard (run either way, so that the
dashboard shows the verdict).
"""

import os
from datetime import timedelta

import pendulum
from airflow import DAG

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

PROJECT = os.environ.get("ANIME_ETL_HOME", "/srv/anime-etl")
START = pendulum.datetime(2026, 1, 1, tz="UTC")

with DAG(
    dag_id="anime_etl",
    description="Load the anime CSV files from S3 into PostgreSQL daily by 07:00",
    schedule="0 6 * * *",
    start_date=START,
    # One run after downtime is enough: every run loads the current sources.
    catchup=False,
    # Never overlap (the ETL's PostgreSQL lock also refuses a second run with RUN_LOCKED).
    max_active_runs=1,
    # Two retries, 10 minutes apart: both end well before the 07:00 deadline.
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["anime", "etl"],
) as dag:
    etl = BashOperator(task_id="etl", bash_command="deno task etl --trigger airflow", cwd=PROJECT)
    dashboard = BashOperator(
        task_id="dashboard",
        bash_command="deno task dashboard",
        cwd=PROJECT,
        trigger_rule="all_done",
    )
    etl >> dashboard

with DAG(
    dag_id="anime_etl_deadline",
    description="Check that the anime ETL finished by the 07:00 deadline",
    schedule="5 7 * * *",
    start_date=START,
    catchup=False,
    max_active_runs=1,
    tags=["anime", "etl"],
) as deadline_dag:
    deadline_check = BashOperator(
        task_id="deadline_check",
        bash_command="deno task deadline:check",
        cwd=PROJECT,
        retries=0,
    )
    deadline_dashboard = BashOperator(
        task_id="deadline_dashboard",
        bash_command="deno task dashboard",
        cwd=PROJECT,
        trigger_rule="all_done",
    )
    deadline_check >> deadline_dashboard
