MODULE BenchHe17;

	IMPORT BenchTypes;

	PROCEDURE ParseMusic* (IN music_string: ARRAY OF CHAR): BenchTypes.IntList;
		VAR r: BenchTypes.IntList; i, n, notes: INTEGER;
	BEGIN
		n := LEN(music_string$);
		notes := 0;
		FOR i := 0 TO n - 1 DO
			IF (music_string[i] # " ") & ((i = 0) OR (music_string[i - 1] = " ")) THEN INC(notes) END
		END;
		IF notes = 0 THEN RETURN NIL END;
		NEW(r, notes);
		notes := 0; i := 0;
		WHILE i < n DO
			IF music_string[i] = " " THEN
				INC(i)
			ELSE
				IF music_string[i] = "." THEN r[notes] := 1 ELSE r[notes] := 4 END;
				INC(notes);
				WHILE (i < n) & (music_string[i] # " ") DO INC(i) END
			END
		END;
		RETURN r
	END ParseMusic;

END BenchHe17.
