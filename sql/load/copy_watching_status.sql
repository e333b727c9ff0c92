copy anime_watching_status (status, description) from stdin
