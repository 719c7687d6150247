#!/usr/bin/python3
"""Writes a tiny BERT-shaped ONNX sentence encoder for the tests of the `onnx` text encoder (src/llm/onnx-encoder.ts).

Same inputs and output as a BERT export (input_ids, attention_mask, token_type_ids -> last_hidden_state), a
WordPiece tokenizer.json, config.json and tokenizer_config.json, in the folder layout Transformers.js reads
(<folder>/onnx/model.onnx). The weights are random (seed 11): it encodes nothing meaningful, it only lets the test
check the plumbing against expected.json, the mean-pooled unit vectors computed here in numpy for a few texts.
Needs Debian's python3-onnx (and numpy):   /usr/bin/python3 scripts/make-tiny-bert.py src/llm/fixtures/tiny-bert
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1] if len(sys.argv) > 1 else 'src/llm/fixtures/tiny-bert'
H, MAXPOS = 32, 64
specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
words = ['a', 'funny', 'scary', 'movie', 'film', 'for', 'kids', 'cat', 'dog', 'red', 'teapot', 'lunch', 'bag', 'not', 'musical', 'the']
letters = [chr(c) for c in range(ord('a'), ord('z') + 1)]
vocab_list = specials + words + [l for l in letters if l not in words] + ['##' + l for l in letters] + [str(d) for d in range(10)]
vocab = {t: i for i, t in enumerate(vocab_list)}
V = len(vocab_list)

rng = np.random.default_rng(11)
word_emb = rng.normal(0, 1, (V, H)).astype(np.float32)
pos_emb = rng.normal(0, 0.3, (MAXPOS, H)).astype(np.float32)
type_emb = rng.normal(0, 0.3, (2, H)).astype(np.float32)
W = rng.normal(0, 1 / np.sqrt(H), (H, H)).astype(np.float32)
b = rng.normal(0, 0.1, (H,)).astype(np.float32)

# last_hidden_state = tanh((word[ids] + pos[0..seq) + type[token_type_ids]) @ W + b)
nodes = [
    helper.make_node('Gather', ['word_emb', 'input_ids'], ['we'], axis=0),
    helper.make_node('Gather', ['type_emb', 'token_type_ids'], ['te'], axis=0),
    helper.make_node('Shape', ['input_ids'], ['shape']),
    helper.make_node('Gather', ['shape', 'one'], ['seq'], axis=0),
    helper.make_node('Range', ['zero', 'seq', 'one'], ['positions']),
    helper.make_node('Gather', ['pos_emb', 'positions'], ['pe'], axis=0),
    helper.make_node('Add', ['we', 'te'], ['s1']),
    helper.make_node('Add', ['s1', 'pe'], ['s2']),
    helper.make_node('MatMul', ['s2', 'W'], ['m']),
    helper.make_node('Add', ['m', 'b'], ['mb']),
    helper.make_node('Tanh', ['mb'], ['last_hidden_state']),
]
inits = [numpy_helper.from_array(x, n) for x, n in [(word_emb, 'word_emb'), (pos_emb, 'pos_emb'), (type_emb, 'type_emb'), (W, 'W'), (b, 'b')]]
inits += [numpy_helper.from_array(np.array(0, np.int64), 'zero'), numpy_helper.from_array(np.array(1, np.int64), 'one')]
ids_in = [helper.make_tensor_value_info(n, TensorProto.INT64, ['batch', 'sequence']) for n in ['input_ids', 'attention_mask', 'token_type_ids']]
graph = helper.make_graph(nodes, 'tiny-bert', ids_in, [helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch', 'sequence', H])], inits)
# attention_mask is an input (as in BERT exports) that this graph does not read: pooling uses it outside.
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 14)], producer_name='curio make-tiny-bert.py')
model.ir_version = 8
onnx.checker.check_model(model)
os.makedirs(os.path.join(out, 'onnx'), exist_ok=True)
onnx.save(model, os.path.join(out, 'onnx', 'model.onnx'))

def special(t):
    return {'id': vocab[t], 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True}

tokenizer = {
    'version': '1.0', 'truncation': None, 'padding': None,
    'added_tokens': [special(t) for t in specials],
    'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True, 'strip_accents': None, 'lowercase': True},
    'pre_tokenizer': {'type': 'BertPreTokenizer'},
    'post_processor': {
        'type': 'TemplateProcessing',
        'single': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}],
        'pair': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '[SEP]', 'type_id': 0}},
                 {'Sequence': {'id': 'B', 'type_id': 1}}, {'SpecialToken': {'id': '[SEP]', 'type_id': 1}}],
        'special_tokens': {t: {'id': t, 'ids': [vocab[t]], 'tokens': [t]} for t in ['[CLS]', '[SEP]']},
    },
    'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
    'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##', 'max_input_chars_per_word': 100, 'vocab': vocab},
}
with open(os.path.join(out, 'tokenizer.json'), 'w') as f:
    json.dump(tokenizer, f, indent=None, separators=(',', ':'))
with open(os.path.join(out, 'tokenizer_config.json'), 'w') as f:
    json.dump({'tokenizer_class': 'BertTokenizer', 'do_lower_case': True, 'model_max_length': MAXPOS, 'cls_token': '[CLS]', 'sep_token': '[SEP]',
               'pad_token': '[PAD]', 'unk_token': '[UNK]', 'mask_token': '[MASK]'}, f, indent=1)
with open(os.path.join(out, 'config.json'), 'w') as f:
    json.dump({'model_type': 'bert', 'architectures': ['BertModel'], 'hidden_size': H, 'vocab_size': V, 'max_position_embeddings': MAXPOS,
               'type_vocab_size': 2, 'num_hidden_layers': 1, 'num_attention_heads': 1, 'intermediate_size': H}, f, indent=1)

# Expected vectors: texts made of vocabulary words (and one spelled by letters), tokenized here by hand.
def token_ids(text):
    ids = [vocab['[CLS]']]
    for w in text.lower().split():
        if w in vocab:
            ids.append(vocab[w])
        else:  # WordPiece falls back to single letters: first bare, then ##-prefixed
            ids += [vocab[w[0]]] + [vocab['##' + c] for c in w[1:]]
    return ids + [vocab['[SEP]']]

def encode(text):
    ids = np.array(token_ids(text))
    h = np.tanh((word_emb[ids] + pos_emb[np.arange(len(ids))] + type_emb[0]) @ W + b)
    v = h.mean(axis=0)
    return (v / np.linalg.norm(v)).tolist()

texts = ['funny movie', 'a scary film for kids', 'red teapot', 'zebu']
with open(os.path.join(out, 'expected.json'), 'w') as f:
    json.dump({'dimension': H, 'texts': texts, 'tokens': [token_ids(t) for t in texts], 'vectors': [[round(x, 7) for x in encode(t)] for t in texts]}, f)
print(f'wrote {out}: vocabulary {V}, hidden {H}')
