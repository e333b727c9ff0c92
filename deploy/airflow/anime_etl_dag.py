"""Airflow DAG for the anime ETL: the same commands as cron and systemd, daily at 07:00.

Copy this file into Airflow's dags/ folder on a worker that has Deno and a checkout of the
project; set ANIME_ETL_HOME to the checkout (default /srv/anime-etl). Airflow is not a dependency
of the project: this file is an example, checked by tests/schedule_test.ts.

Tasks: etl (`deno task etl --trigger airflow`) >> dashboard (`deno task dashboard`) >> deadline_check
(`deno task deadline:check`, run even when the ETL failed, so a missed deadline is recorded in
etl.deadline_checks and the DAG run fails visibly).
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

with DAG(
    dag_id="anime_etl",
    description="Load the anime CSV files from S3 into PostgreSQL daily by 07:00",
    schedule="0 7 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    # One run after downtime is enough: every run loads the current sources.
    catchup=False,
    # Never overlap (the ETL's PostgreSQL lock also refuses a second run with RUN_LOCKED).
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["anime", "etl"],
) as dag:
    etl = BashOperator(task_id="etl", bash_command="deno task etl --trigger airflow", cwd=PROJECT)
    dashboard = BashOperator(task_id="dashboard", bash_command="deno task dashboard", cwd=PROJECT)
    deadline_check = BashOperator(
        task_id="deadline_check",
        bash_command="deno task deadline:check",
        cwd=PROJECT,
        trigger_rule="all_done",
        retries=0,
    )
    etl >> dashboard >> deadline_check
