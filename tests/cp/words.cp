MODULE PrivWords;

	IMPORT TextModels, TextMappers, TextViews, TextControllers, Views, StdLog, Strings, Dialog;

	CONST
		maxLen = 256; tab = 09X; cr = 0DX; mask = 0FFH; big = 0FFFFFFFFFL;
		eps = 1.0E-6; half = 0.5; digits = {0 .. 9, 12};

	TYPE
		Counter* = POINTER TO ABSTRACT RECORD
			count-: INTEGER
		END;
		WordCounter = POINTER TO RECORD (Counter)
			words: POINTER TO ARRAY OF INTEGER
		END;
		Action = PROCEDURE (c: Counter; IN s: ARRAY OF CHAR): BOOLEAN;

	VAR
		par*: RECORD
			name*: ARRAY 64 OF CHAR;
			n*: INTEGER
		END;

	PROCEDURE (c: Counter) Add* (IN s: ARRAY OF CHAR), NEW, ABSTRACT;
	PROCEDURE (c: Counter) Reset*, NEW, EMPTY;
	PROCEDURE (c: Counter) Total* (): INTEGER, NEW, EXTENSIBLE;
	BEGIN
		RETURN c.count
	END Total;

	PROCEDURE (c: WordCounter) Add* (IN s: ARRAY OF CHAR);
		VAR i: INTEGER;
	BEGIN
		i := 0;
		WHILE (i < LEN(s$)) & (s[i] # 0X) DO INC(i) END;
		IF i > 0 THEN INC(c.count) END
	END Add;

	PROCEDURE ^ Helper (x: INTEGER): INTEGER;

	PROCEDURE Count* (t: TextModels.Model): INTEGER;
		VAR s: TextMappers.Scanner; n: INTEGER;
	BEGIN
		s.ConnectTo(t); s.SetPos(0); s.Scan; n := 0;
		WHILE s.type # TextMappers.eot DO
			IF s.type = TextMappers.string THEN INC(n) END;
			s.Scan
		END;
		RETURN n
	END Count;

	PROCEDURE Helper (x: INTEGER): INTEGER;
	BEGIN
		CASE x OF
		| 0: RETURN 1
		| 1, 2: RETURN 2
		| 3 .. 10: RETURN x * 2
		ELSE RETURN -x DIV 2
		END
	END Helper;

	PROCEDURE Report*;
		VAR t: TextModels.Model; f: TextMappers.Formatter; v: TextViews.View;
			c: TextControllers.Controller; i, res: INTEGER; s: ARRAY maxLen OF CHAR;
			x: REAL; set: SET; ok: BOOLEAN; p: Counter;
	BEGIN
		c := TextControllers.Focus();
		IF c = NIL THEN Dialog.ShowMsg("no text focus"); RETURN END;
		t := TextModels.dir.New(); f.ConnectTo(t);
		FOR i := 10 TO 1 BY -1 DO f.WriteInt(i); f.WriteTab END;
		f.WriteLn; f.WriteString("words: "); f.WriteInt(Count(c.text)); f.WriteLn;
		Strings.IntToString(Helper(3), s); s := s + "!"; StdLog.String(s$); StdLog.Ln;
		x := 1.5E3 * half; set := {1, 3 .. 5} + digits; ok := (x > 0) & (3 IN set) OR ~ok;
		REPEAT DEC(i) UNTIL i <= 0;
		LOOP INC(i); IF i >= 16 THEN EXIT END END;
		NEW(p(WordCounter)); p := NIL;
		WITH p: WordCounter DO p.Add("x") | p: Counter DO p.Reset ELSE END;
		IF (p # NIL) & (p IS WordCounter) THEN p(WordCounter).Add("y") END;
		v := TextViews.dir.New(t); Views.OpenAux(v, "Report")
	END Report;

BEGIN
	par.n := 0; par.name := ""
CLOSE
	par.n := -1
END PrivWords.
