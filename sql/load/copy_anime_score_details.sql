copy anime_score_details (
  mal_id, score_10, score_9, score_8, score_7, score_6, score_5, score_4, score_3, score_2, score_1
) from stdin
