package io.batchdiffusion.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The first step of transformers' {@code PreTrainedTokenizer.tokenize}: cuts the raw text at every
 * added token (leftmost match first, the longest one where several start at the same place, as its
 * trie does), then applies the tokens' lstrip / rstrip / single_word options to the neighbours.
 */
final class AddedTokenSplitter {

    /** A piece of text: an added token when {@code token} is set, otherwise ordinary text. */
    record Piece(String text, AddedToken token) {}

    private final List<AddedToken> tokens;

    AddedTokenSplitter(List<AddedToken> tokens) {
        List<AddedToken> longestFirst = new ArrayList<>(tokens);
        longestFirst.removeIf(t -> t.content().isEmpty());
        longestFirst.sort(
                Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
        this.tokens = List.copyOf(longestFirst);
    }

    /**
     * The pieces of {@code text}, empty ones dropped. As upstream, a token's neighbours are the pieces
     * next to it, which may be other tokens.
     */
    List<Piece> split(String text) {
        List<Piece> pieces = cut(text);
        for (int i = 0; i < pieces.size(); i++) {
            AddedToken token = pieces.get(i).token();
            if (token == null) {
                continue;
            }
            Piece left = i > 0 ? pieces.get(i - 1) : null;
            Piece right = i < pieces.size() - 1 ? pieces.get(i + 1) : null;
            if (token.rstrip() && right != null && !right.text().isEmpty()) {
                pieces.set(i + 1, right = withText(right, Whitespace.stripLeading(right.text())));
            }
            if (token.lstrip() && left != null && !left.text().isEmpty()) {
                pieces.set(i - 1, left = withText(left, Whitespace.stripTrailing(left.text())));
            }
            // A single_word token glued to a word is not a token: it joins its neighbour's text.
            if (token.singleWord()
                    && left != null
                    && !left.text().isEmpty()
                    && !left.text().endsWith(" ")) {
                pieces.set(i - 1, new Piece(left.text() + token.content(), null));
                pieces.set(i, new Piece("", null));
            } else if (token.singleWord()
                    && right != null
                    && !right.text().isEmpty()
                    && !right.text().startsWith(" ")) {
                pieces.set(i + 1, new Piece(token.content() + right.text(), null));
                pieces.set(i, new Piece("", null));
            }
        }
        pieces.removeIf(p -> p.text().isEmpty());
        return pieces;
    }

    private static Piece withText(Piece piece, String text) {
        return new Piece(text, piece.token());
    }

    private List<Piece> cut(String text) {
        List<Piece> pieces = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); ) {
            AddedToken match = matchAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            if (i > start) {
                pieces.add(new Piece(text.substring(start, i), null));
            }
            pieces.add(new Piece(match.content(), match));
            i += match.content().length();
            start = i;
        }
        if (start < text.length()) {
            pieces.add(new Piece(text.substring(start), null));
        }
        return pieces;
    }

    private AddedToken matchAt(String text, int index) {
        for (AddedToken token : tokens) {
            if (text.startsWith(token.content(), index)) {
                return token;
            }
        }
        return null;
    }
}
